package org.geodecoder.model.io;

import java.util.List;
import java.util.Map;

/**
 * What an import did: the model parameters filled (with their source tensor), the file tensors
 * deliberately not used and why (buffers that the model recomputes, the ImageNet classifier),
 * the file tensors nobody asked for, and the model parameters the file did not provide.
 */
public record ImportReport(
    Map<String, String> filled,
    Map<String, String> ignored,
    List<String> unused,
    List<String> missing) {
  public ImportReport {
    filled = Map.copyOf(filled);
    ignored = Map.copyOf(ignored);
    unused = List.copyOf(unused);
    missing = List.copyOf(missing);
  }

  /** Every parameter filled and every file tensor used or explicitly ignored. */
  public boolean isComplete() {
    return unused.isEmpty() && missing.isEmpty();
  }
}
