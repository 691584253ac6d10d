package org.geodecoder.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.geodecoder.model.nn.Autocast;

/**
 * Output heads on the refined queries {@code [B, Q, D]} (Q = H·S, hierarchy-major):
 *
 * <ul>
 *   <li>scene logits {@code [B, S]}: channel 0 of each query, averaged over the hierarchies;
 *   <li>for each hierarchy h, one linear classifier shared by its S scene queries: class logits
 *       {@code [B, S, K_h]}.
 * </ul>
 *
 * Output: {@code NDList(sceneLogits, logits_0, …, logits_{H−1})}.
 */
public final class GeoHeads extends AbstractBlock {
  private static final byte VERSION = 1;

  private final int scenes;
  private final int[] classCounts;
  private final List<Linear> classifiers;

  public GeoHeads(int[] classCounts, int scenes) {
    super(VERSION);
    this.scenes = scenes;
    this.classCounts = classCounts.clone();
    List<Linear> list = new ArrayList<>();
    for (int h = 0; h < classCounts.length; h++) {
      list.add(addChildBlock("classifier" + h, Linear.builder().setUnits(classCounts[h]).build()));
    }
    classifiers = Collections.unmodifiableList(list);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow(); // [B, Q, D]
    long b = x.getShape().get(0);
    int hs = classCounts.length;
    NDArray scene = x.get(":, :, 0").reshape(b, hs, scenes).mean(new int[] {1}); // [B, S]
    NDList out = new NDList(scene);
    NDArray xc = Autocast.compute(ps, x); // [B, Q, D] in the compute type
    for (int h = 0; h < hs; h++) {
      NDArray queries = xc.get(":, " + (h * scenes) + ":" + ((h + 1) * scenes)); // [B, S, D]
      out.add(classifiers.get(h).forward(ps, new NDList(queries), training, params).head()); // [B, S, K_h]
    }
    return out;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape in = new Shape(inputShapes[0].get(0), scenes, inputShapes[0].get(2));
    for (Linear classifier : classifiers) {
      classifier.initialize(manager, dataType, in);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    if (inputShapes.length != 1 || inputShapes[0].dimension() != 3) {
      throw new IllegalArgumentException("GeoHeads expects 1 input (queries [B, Q, D])");
    }
    long b = inputShapes[0].get(0);
    Shape[] out = new Shape[classCounts.length + 1];
    out[0] = new Shape(b, scenes);
    for (int h = 0; h < classCounts.length; h++) {
      out[h + 1] = new Shape(b, scenes, classCounts[h]);
    }
    return out;
  }
}
