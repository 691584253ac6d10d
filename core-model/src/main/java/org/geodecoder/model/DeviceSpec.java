package org.geodecoder.model;

import ai.djl.Device;
import java.util.Locale;

/**
 * Device selection by configuration: {@code cpu}, {@code gpu} (= {@code gpu:0}) or {@code
 * gpu:<index>}. The Spark jobs pass {@code gpu:<i>} with the GPU address Spark assigned to the
 * task. Whether a GPU build of libtorch is loaded is decided by the runtime classpath and
 * environment (see core-model/README.md), never by code.
 */
public final class DeviceSpec {
  private DeviceSpec() {}

  /**
   * Parses a device name.
   *
   * @throws IllegalArgumentException for anything but cpu, gpu or gpu:&lt;non-negative int&gt;
   */
  public static Device parse(String spec) {
    if (spec == null) {
      throw new IllegalArgumentException("Device must be cpu, gpu or gpu:<index>, got null");
    }
    String s = spec.trim().toLowerCase(Locale.ROOT);
    if (s.equals("cpu")) {
      return Device.cpu();
    }
    if (s.equals("gpu")) {
      return Device.gpu(0);
    }
    if (s.startsWith("gpu:")) {
      try {
        int index = Integer.parseInt(s.substring(4));
        if (index >= 0) {
          return Device.gpu(index);
        }
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    }
    throw new IllegalArgumentException(
        "Device must be cpu, gpu or gpu:<index>, got '" + spec + "'");
  }

  /** The configuration name of a device: the inverse of {@link #parse}. */
  public static String format(Device device) {
    return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
  }
}
