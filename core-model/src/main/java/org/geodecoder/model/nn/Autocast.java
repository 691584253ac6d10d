package org.geodecoder.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Mixed precision for one forward pass, with the rules of {@code torch.autocast}: matrix
 * products (Linear, convolution, attention {@code matMul}) run in bfloat16;
 * LayerNorm, softmax and the loss run in float32. Parameters stay float32 (the master weights
 * the optimizer updates): this store hands a Linear or convolution its weight and bias cast to
 * bfloat16, and the cast is differentiable, so the gradients arrive in float32 on the
 * float32 parameters. Blocks cast their activations with {@link #compute} before a product and
 * {@link #float32} before a LayerNorm or softmax; with any other store both are no-ops (fp32).
 *
 * <p>One deliberate difference from autocast: the residual stream stays float32 everywhere
 * (autocast leaves it in bf16 after Swin's patch merging, whose projection output starts the next
 * stage); the sums of many small updates are where bfloat16's 8-bit mantissa loses most.
 *
 * <p>Written by hand: DJL 0.36 has no autocast (nor a bfloat16 cast, see {@link Bf16Cast}). One instance per forward pass: the casts are
 * attached to the activations' manager, so they are freed with the batch, not kept with the
 * parameters.
 */
public final class Autocast extends ParameterStore {
  private final Set<Parameter> cast;
  private final NDManager activations;

  /**
   * @param parameters the parameters' manager
   * @param cast the parameters handed out in bfloat16 ({@link #productParameters})
   * @param activations where the cast weights live (the batch's manager)
   */
  public Autocast(NDManager parameters, Set<Parameter> cast, NDManager activations) {
    super(parameters, false);
    this.cast = cast;
    this.activations = activations;
  }

  /**
   * The weights and biases of every {@link Linear} and {@link Convolution} under {@code root}
   * (an identity set): the parameters autocast runs in bfloat16. LayerNorm's scale and
   * shift, the learned queries and the relative position bias stay float32.
   */
  public static Set<Parameter> productParameters(Block root) {
    Set<Parameter> set = Collections.newSetFromMap(new IdentityHashMap<>());
    collect(root, set);
    return Collections.unmodifiableSet(set);
  }

  private static void collect(Block block, Set<Parameter> set) {
    if (block instanceof Linear || block instanceof Convolution) {
      for (Pair<String, Parameter> p : block.getDirectParameters()) {
        set.add(p.getValue());
      }
    }
    for (Pair<String, Block> child : block.getChildren()) {
      collect(child.getValue(), set);
    }
  }

  @Override
  public NDArray getValue(Parameter parameter, Device device, boolean training) {
    NDArray value = super.getValue(parameter, device, training);
    if (value == null || !cast.contains(parameter)) {
      return value;
    }
    NDArray converted = Bf16Cast.toBfloat16(value); // differentiable: grads arrive in fp32
    if (converted != value) {
      converted.attach(activations);
    }
    return converted;
  }

  /** {@code x} in bfloat16 when {@code ps} is an Autocast, else {@code x} itself. */
  public static NDArray compute(ParameterStore ps, NDArray x) {
    return ps instanceof Autocast ? Bf16Cast.toBfloat16(x) : x;
  }

  /** {@code x} in float32 when it is bfloat16 (itself otherwise): before LayerNorm, softmax and the loss. */
  public static NDArray float32(NDArray x) {
    return Bf16Cast.toFloat32(x);
  }

  /** Every array of {@code list} in float32. */
  public static NDList float32(NDList list) {
    NDList out = new NDList(list.size());
    for (NDArray x : list) {
      out.add(float32(x));
    }
    return out;
  }
}
