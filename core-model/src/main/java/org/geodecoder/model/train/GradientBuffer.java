package org.geodecoder.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.geodecoder.model.Autograd;

/**
 * One preallocated flat gradient tensor on the device, with a view per parameter, for the
 * exchange: the parameters' gradients are gathered into it on the device, copied once to a
 * host buffer, and the reduced sum copied back once; the optimizer then reads the views.
 */
final class GradientBuffer implements AutoCloseable {
  private static final NDIndex ALL = new NDIndex("...");

  private final NDManager manager;
  private final NDManager hostManager;
  private final NDArray flat;
  private final List<NDArray> views;
  private final int size;
  private ByteBuffer hostBuffer;
  private NDArray hostAlias;

  GradientBuffer(List<NDArray> parameters, NDManager parent, int size) {
    this.manager = parent.newSubManager();
    this.hostManager = parent.getEngine().newBaseManager(ai.djl.Device.cpu());
    this.size = size;
    this.flat = manager.zeros(new Shape(size), DataType.FLOAT32, parent.getDevice());
    this.views = DeviceSgd.views(flat, parameters);
  }

  /** The per-parameter views (shaped as the parameters). */
  List<NDArray> views() {
    return views;
  }

  /** Copies each parameter's gradient (zero where it has none) into the flat tensor, on the device. */
  void gather(List<NDArray> parameters) {
    Autograd.withGrad(false, () -> {
      for (int i = 0; i < parameters.size(); i++) {
        NDArray view = views.get(i);
        NDArray grad = Autograd.gradientOrNull(parameters.get(i));
        if (grad == null) {
          view.set(ALL, 0f);
        } else {
          try (grad) {
            view.set(ALL, grad);
          }
        }
      }
      return null;
    });
  }

  /**
   * Copies the flat tensor into the first {@code size} floats of {@code host} (direct, native
   * order): one device → host copy, into memory the caller owns.
   */
  void copyToHost(ByteBuffer host) {
    hostAlias(host).set(ALL, flat);
  }

  /** Copies the first {@code size} floats of {@code host} into the flat tensor: one host → device copy. */
  void copyFromHost(ByteBuffer host) {
    // an indexed copy_ into the existing storage: NDArray.set(Buffer) would swap the storage and
    // leave the views on the old one
    flat.set(ALL, hostAlias(host));
  }

  /** Replaces the flat tensor's values from a Java array (tests and the float[] API). */
  void copyFromHost(float[] values) {
    try (NDArray host = hostManager.create(values)) {
      flat.set(ALL, host);
    }
  }

  /** A CPU tensor over the caller's buffer (no copy), made once per buffer. */
  private NDArray hostAlias(ByteBuffer host) {
    if (host != hostBuffer) {
      if (!host.isDirect() || host.order() != ByteOrder.nativeOrder()) {
        throw new IllegalArgumentException("The host gradient buffer must be direct and in native byte order");
      }
      if (hostAlias != null) {
        hostAlias.close();
      }
      hostAlias = hostManager.create(slice(host), new Shape(size), DataType.FLOAT32);
      hostBuffer = host;
    }
    return hostAlias;
  }

  private ByteBuffer slice(ByteBuffer host) {
    if (host.capacity() < (long) size * Float.BYTES) {
      throw new IllegalArgumentException(
          "The host gradient buffer holds " + host.capacity() / Float.BYTES + " floats, need " + size);
    }
    return host.duplicate().clear().limit(size * Float.BYTES).slice().order(ByteOrder.nativeOrder());
  }

  @Override
  public void close() {
    manager.close();
    hostManager.close();
  }
}
