package org.geodecoder.jobs.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The device of a task: the GPU Spark assigned to it ({@code spark.task.resource.gpu.amount=1},
 * discovered by the executor's discovery script), else the CPU.
 */
public final class TaskDevices {
  private TaskDevices() {}

  /**
   * @param mode auto (assigned GPU if any, else CPU), cpu, or gpu (an assigned GPU, else GPU 0)
   * @throws IllegalStateException when a GPU is required and none is usable
   */
  public static Device pick(String mode, TaskContext task) {
    if (mode.equals("cpu")) {
      return Device.cpu();
    }
    ResourceInformation gpu = task == null ? null : task.resources().get("gpu").getOrElse(() -> null);
    if (gpu != null && gpu.addresses().length > 0) {
      return Device.gpu(Integer.parseInt(gpu.addresses()[0].trim()));
    }
    if (mode.equals("gpu")) {
      if (Engine.getInstance().getGpuCount() > 0) {
        return Device.gpu(0);
      }
      throw new IllegalStateException("--device gpu but Spark assigned no GPU to this task and the engine sees none;"
          + " set spark.executor.resource.gpu.amount, spark.task.resource.gpu.amount=1 and the discovery script"
          + " (conf/gpu-discovery.sh), or use --device auto");
    }
    return Device.cpu();
  }
}
