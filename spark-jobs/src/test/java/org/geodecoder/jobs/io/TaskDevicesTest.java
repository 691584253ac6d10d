package org.geodecoder.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Device choice outside a Spark task (no GPU assigned) and the reasons given when no GPU is usable. */
class TaskDevicesTest {
  @TempDir Path tmp;

  @Test
  void autoAndCpuUseTheCpuWhenNoGpuIsAssigned() {
    assertEquals(Device.cpu(), TaskDevices.pick("cpu", null));
    assertEquals(Device.cpu(), TaskDevices.pick("auto", null));
  }

  @Test
  void gpuOnTheCpuOnlyLibtorchNamesTheCudaBuild() {
    // The test classpath carries DJL's CPU libtorch (pytorch-native-cpu); skip where a CUDA one sees a GPU.
    assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TaskDevices.pick("gpu", null));
    assertEquals("--device gpu: this executor's PyTorch engine sees 0 GPU(s), cannot use gpu:0: the CPU-only libtorch is"
        + " loaded (" + LibUtils.getLibtorchPath() + "); GPU executors need the CUDA build: mvn -Pcuda package and --cuda"
        + " on the submit scripts (README, GPU clusters)", e.getMessage());
  }

  @Test
  void aCudaLibtorchWithoutTheDriverNamesTheMissingDriver() throws Exception {
    Path lib = Files.createDirectories(tmp.resolve("cuda/lib"));
    Files.createFile(lib.resolve("libtorch.so"));
    Files.createFile(lib.resolve("libtorch_cuda.so"));
    Path driver = tmp.resolve("proc-driver-nvidia-version");
    assertEquals("the CUDA libtorch is loaded (" + lib + ") but no NVIDIA driver is visible here (no " + driver
        + ", so no libcuda.so.1): run on a GPU node with the NVIDIA driver, or use --device auto|cpu",
        TaskDevices.whyNoGpu(lib, driver));

    Files.writeString(driver, "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.86.15\n");
    assertEquals("the CUDA libtorch is loaded (" + lib + ") and the NVIDIA driver is present; check the GPUs visible to"
        + " this process (nvidia-smi, CUDA_VISIBLE_DEVICES) and that the driver supports CUDA 12.9 (README, GPU clusters)",
        TaskDevices.whyNoGpu(lib, driver));
  }
}
