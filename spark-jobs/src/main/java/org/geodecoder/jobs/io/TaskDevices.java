package org.geodecoder.jobs.io;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The device of a Spark task (train replicas, score tasks): the GPU Spark assigned to it
 * ({@code spark.task.resource.gpu.amount=1}, found by the executor's discovery script), else the
 * CPU.
 */
public final class TaskDevices {
  private TaskDevices() {}

  /**
   * The device for this task: {@code cpu}; {@code gpu}, the GPU Spark assigned to the task
   * (TaskContext resources), else gpu 0; {@code auto}, the assigned GPU if any, else the CPU.
   *
   * @throws IllegalStateException when a GPU is asked for and PyTorch sees none
   */
  public static Device pick(String mode, TaskContext context) {
    if ("cpu".equals(mode)) {
      return Device.cpu();
    }
    Integer assigned = null;
    if (context != null) {
      Map<String, ResourceInformation> resources = context.resourcesJMap();
      ResourceInformation gpu = resources.get("gpu");
      if (gpu != null && gpu.addresses().length > 0) {
        try {
          assigned = Integer.parseInt(gpu.addresses()[0].trim());
        } catch (NumberFormatException e) {
          throw new IllegalStateException("Spark assigned GPU address '" + gpu.addresses()[0]
              + "', not a device index; --device needs numeric GPU addresses (check the GPU discovery script)");
        }
      }
    }
    if ("auto".equals(mode) && assigned == null) {
      return Device.cpu();
    }
    int gpus = Engine.getEngine("PyTorch").getGpuCount();
    int index = assigned == null ? 0 : assigned;
    if (gpus <= index) {
      throw new IllegalStateException("--device " + mode + ": this executor's PyTorch engine sees " + gpus
          + " GPU(s), cannot use gpu:" + index + ": " + whyNoGpu(Path.of(LibUtils.getLibtorchPath()),
              Path.of("/proc/driver/nvidia/version")));
    }
    return Device.gpu(index);
  }

  /**
   * Why libtorch sees too few GPUs: the CPU-only libtorch (no libtorch_cuda.so beside libtorch.so),
   * no NVIDIA driver (the kernel module publishes {@code driverVersionFile}; its libcuda.so.1 comes
   * with it), or a driver that shows fewer GPUs than asked for.
   */
  static String whyNoGpu(Path libtorchDir, Path driverVersionFile) {
    if (!Files.exists(libtorchDir.resolve("libtorch_cuda.so"))) {
      return "the CPU-only libtorch is loaded (" + libtorchDir + "); GPU executors need the CUDA build:"
          + " mvn -Pcuda package and --cuda on the submit scripts (README, GPU clusters)";
    }
    if (!Files.exists(driverVersionFile)) {
      return "the CUDA libtorch is loaded (" + libtorchDir + ") but no NVIDIA driver is visible here (no "
          + driverVersionFile + ", so no libcuda.so.1): run on a GPU node with the NVIDIA driver, or use --device auto|cpu";
    }
    return "the CUDA libtorch is loaded (" + libtorchDir + ") and the NVIDIA driver is present; check the GPUs visible"
        + " to this process (nvidia-smi, CUDA_VISIBLE_DEVICES) and that the driver supports CUDA 12.9 (README, GPU clusters)";
  }

}
