import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.geodecoder.model.Autograd;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.DeviceSpec;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.Precision;
import org.geodecoder.model.loss.GeoLoss;

/**
 * The model part of submit-scripts/gpu-smoke.sh (a Java source file run on the project's
 * classpath): builds a model of the given preset with the paper's GeoDecoder (7 hierarchies, 684 …
 * 21673 classes, 16 scenes) on the device, checks that every parameter and the batch live there,
 * and times the phases of training steps in fp32 or bf16 mixed precision: forward + loss,
 * backward, zeroing the gradients (each ends by reading a value back, so that queued GPU work is
 * counted in its phase). In bf16 it also checks that the weights and their gradients stay fp32.
 * Prints {@code key=value} lines.
 *
 * <p>Arguments: device (cpu, gpu, gpu:N), preset, batch, steps, precision (fp32 or bf16; default
 * fp32).
 */
public final class GpuSmoke {
  private static final int[] PAPER_CLASSES = {684, 1744, 3298, 7202, 12893, 16150, 21673};

  public static void main(String[] args) throws IOException {
    Device device = DeviceSpec.parse(args[0]);
    String preset = args[1];
    int batch = Integer.parseInt(args[2]);
    int steps = Integer.parseInt(args[3]);
    Precision precision = Precision.parse(args.length > 4 ? args[4] : "fp32");
    Engine engine = Engine.getEngine("PyTorch");
    System.out.println("libtorch=" + engine.getVersion() + " " + LibUtils.getLibtorchPath() + ", gpus=" + engine.getGpuCount());

    long t0 = System.nanoTime();
    ModelConfig config = ModelConfig.preset(preset, paperHierarchy()).toBuilder().optPrecision(precision).build();
    try (GeoModel model = GeoModel.create(config, device, 1)) {
      System.out.printf(Locale.ROOT, "model=%s params=%d precision=%s build_s=%.2f%n", preset, model.parameterCount(), precision,
          (System.nanoTime() - t0) / 1e9);
      long elsewhere = model.parameters().stream().map(Parameter::getArray).filter(a -> !a.getDevice().equals(device)).count();
      System.out.println("placement_parameters=" + (elsewhere == 0 ? "all " + model.parameters().size() + " on " + device
          : elsewhere + " of " + model.parameters().size() + " NOT on " + device));

      Random r = new Random(1);
      float[] images = new float[Math.toIntExact(model.inputShape(batch).size())];
      for (int i = 0; i < images.length; i++) {
        images[i] = (float) r.nextGaussian();
      }
      int[] classes = new int[batch * PAPER_CLASSES.length];
      for (int i = 0; i < classes.length; i++) {
        classes[i] = r.nextInt(PAPER_CLASSES[i % PAPER_CLASSES.length]);
      }
      int[] scenes = new int[batch];
      Memory memory = new Memory(device);
      double[][] phases = new double[3][steps]; // forward+loss, backward, zero-grad
      float loss = Float.NaN;
      for (int s = 0; s <= steps; s++) { // step 0 warms up (allocator, cuDNN/cuBLAS plans): not timed
        try (NDScope scope = new NDScope();
            NDManager m = model.manager().newSubManager()) {
          scope.suppressNotUsedWarning();
          NDArray x = m.create(images, model.inputShape(batch));
          if (s == 0) {
            System.out.println("placement_batch=" + x.getDevice());
          }
          long a = System.nanoTime();
          GeoLoss.Result result = Autograd.withGrad(true, () -> {
            NDList out = model.forward(x, true, new Random(1));
            return GeoLoss.compute(out, classes, scenes, batch);
          });
          loss = result.objective().getFloat();
          memory.sample();
          long b = System.nanoTime();
          Autograd.withGrad(true, () -> {
            Autograd.backward(result.objective());
            return null;
          });
          Autograd.gradientOrNull(model.parameters().get(0).getArray()).toFloatArray();
          memory.sample();
          if (s == 0) {
            System.out.println("master_weights=" + dtypes(model, false) + ", gradients=" + dtypes(model, true));
          }
          long c = System.nanoTime();
          model.parameters().forEach(p -> Autograd.zeroGradient(p.getArray()));
          model.parameters().get(0).getArray().toFloatArray();
          long d = System.nanoTime();
          if (s > 0) {
            phases[0][s - 1] = (b - a) / 1e9;
            phases[1][s - 1] = (c - b) / 1e9;
            phases[2][s - 1] = (d - c) / 1e9;
          }
        }
      }
      double fwd = median(phases[0]);
      double bwd = median(phases[1]);
      double zero = median(phases[2]);
      System.out.printf(Locale.ROOT, "steps=%d batch=%d precision=%s loss=%.4f%n", steps, batch, precision, loss);
      System.out.printf(Locale.ROOT, "step_phases_median_s=forward+loss %.4f, backward %.4f, zero_grad %.4f%n", fwd, bwd, zero);
      System.out.printf(Locale.ROOT, "train_images_per_s=%.1f (forward+backward, %s)%n", batch / (fwd + bwd + zero), precision);
      System.out.println("peak_memory=" + memory.describe());
    }
  }

  /** The data types of every parameter (or its gradient), e.g. "all float32". */
  private static String dtypes(GeoModel model, boolean gradients) {
    java.util.Map<DataType, Integer> counts = new java.util.TreeMap<>();
    for (Parameter p : model.parameters()) {
      NDArray a = gradients ? Autograd.gradientOrNull(p.getArray()) : p.getArray();
      counts.merge(a == null ? DataType.UNKNOWN : a.getDataType(), 1, Integer::sum);
    }
    return counts.size() == 1 ? "all " + counts.keySet().iterator().next() : counts.toString();
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length == 0 ? Double.NaN : s[s.length / 2];
  }

  /** The paper's class counts; parents in contiguous blocks; all classes at 0°, 0° (locations do not matter here). */
  private static ClassHierarchy paperHierarchy() {
    int n = PAPER_CLASSES.length;
    int[][] parents = new int[n][];
    double[][] lat = new double[n][];
    double[][] lon = new double[n][];
    for (int h = 0; h < n; h++) {
      lat[h] = new double[PAPER_CLASSES[h]];
      lon[h] = new double[PAPER_CLASSES[h]];
      if (h > 0) {
        parents[h] = new int[PAPER_CLASSES[h]];
        for (int c = 0; c < PAPER_CLASSES[h]; c++) {
          parents[h][c] = (int) ((long) c * PAPER_CLASSES[h - 1] / PAPER_CLASSES[h]);
        }
      }
    }
    return ClassHierarchy.fromArrays(PAPER_CLASSES, parents, lat, lon);
  }

  /** Peak device memory in use (GPU: whole device, as the driver reports it) or peak resident memory (CPU). */
  private static final class Memory {
    private final Device device;
    private long peak;

    Memory(Device device) {
      this.device = device;
    }

    void sample() throws IOException {
      if (device.isGpu()) {
        peak = Math.max(peak, CudaUtils.getGpuMemory(device).getCommitted());
      } else {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith("VmHWM:")) {
            peak = Math.max(peak, Long.parseLong(line.replaceAll("\\D", "")) * 1024);
          }
        }
      }
    }

    String describe() {
      return String.format(Locale.ROOT, "%.0f MiB %s", peak / 1048576.0,
          device.isGpu() ? "GPU memory in use on " + device + " (whole device, driver's figure)" : "resident (VmHWM, CPU run)");
    }
  }
}
