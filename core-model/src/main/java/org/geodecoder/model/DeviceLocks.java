package org.geodecoder.model;

import ai.djl.Device;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One lock per device, held by the calls that create, read, write or back-propagate through a
 * model's parameters. Measured: several replicas on threads of one JVM (the Spark tasks of one
 * executor) got nondeterministic gradients when one replica's libtorch calls overlapped
 * another's backward pass; holding this lock makes them exact. On a CPU the replicas share the
 * cores anyway (each op already uses them all); GPU replicas each have their own device and lock.
 */
public final class DeviceLocks {
  private static final ConcurrentHashMap<String, Object> LOCKS = new ConcurrentHashMap<>();

  /** System property; {@code off} turns the locks off (a fresh object per call), to measure. */
  public static final String SWITCH = "geodecoder.deviceLocks";

  private DeviceLocks() {}

  public static Object of(Device device) {
    if ("off".equals(System.getProperty(SWITCH))) {
      return new Object();
    }
    return LOCKS.computeIfAbsent(device.toString(), k -> new Object());
  }
}
