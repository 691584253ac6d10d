import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.geodecoder.jobs.io.TaskDevices;

/**
 * Run by submit-scripts/cuda-load-check.sh (a Java source file, compiled on the fly against the
 * project's classpath): loads the PyTorch engine the way a Spark task does, prints what was
 * loaded, computes one small product on the CPU through it, and asks our TaskDevices for
 * {@code --device auto} and {@code --device gpu} with no GPU assigned (no TaskContext).
 *
 * <p>Prints one {@code key=value} line per fact, so that the script can check them.
 */
public final class CudaLoadCheck {
  public static void main(String[] args) throws IOException {
    Engine engine = Engine.getEngine("PyTorch");
    System.out.println("engine=" + engine.getEngineName());
    System.out.println("engine_version=" + engine.getVersion());
    System.out.println("libtorch_path=" + LibUtils.getLibtorchPath());
    System.out.println("gpu_count=" + engine.getGpuCount());
    System.out.println("cuda_capability=" + engine.hasCapability(StandardCapabilities.CUDA));
    try { // DJL's own binding to libcudart (jna.library.path): the runtime version needs no driver
      System.out.println("cuda_runtime_version=" + CudaUtils.getCudaVersion());
    } catch (RuntimeException e) {
      System.out.println("cuda_runtime_version=none (" + e.getMessage() + ")");
    }
    Path lib = Path.of(LibUtils.getLibtorchPath());
    try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
      Set<String> mapped = maps.map(l -> l.substring(l.lastIndexOf(' ') + 1)).filter(f -> f.startsWith(lib + "/"))
          .map(f -> Path.of(f).getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
      System.out.println("mapped_from_lib=" + mapped.size() + " " + String.join(",", mapped));
    }
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      NDArray a = m.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
      float[] p = a.matMul(a).toFloatArray(); // [[7, 10], [15, 22]]
      System.out.println(String.format(Locale.ROOT, "cpu_matmul=%.0f,%.0f,%.0f,%.0f", p[0], p[1], p[2], p[3]));
    }
    System.out.println("device_auto=" + TaskDevices.pick("auto", null));
    try {
      System.out.println("device_gpu=" + TaskDevices.pick("gpu", null));
    } catch (IllegalStateException e) {
      System.out.println("device_gpu_error=" + e.getMessage());
    }
  }
}
