package org.geodecoder.jobs.io;

import ai.djl.Device;
import ai.djl.engine.Engine;
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
          + " GPU(s), cannot use gpu:" + index + " (a CPU-only libtorch, or no CUDA device; see core-model/README.md)");
    }
    return Device.gpu(index);
  }

}
