/**
 * Geolocalization metrics in plain Java (no Spark): great-circle distances, accuracy at distance
 * thresholds, median/mean/percentile errors, GeoGuessr-style scores, and breakdowns by dataset,
 * scene label and partition hierarchy.
 *
 * <p>Entry point: {@link org.geodecoder.eval.EvaluationAccumulator}, a mergeable, serializable
 * accumulator fed row by row (one per Spark partition, merged on the driver), whose
 * {@link org.geodecoder.eval.EvaluationAccumulator#result()} gives an immutable
 * {@link org.geodecoder.eval.EvaluationResult}. Sub-packages: {@code analysis} (images per city,
 * Lorenz curve, Gini), {@code sampling} (GWS15k-style locations) and {@code report}
 * ({@code metrics.json}, {@code report.md}, PNG plots).
 */
package org.geodecoder.eval;
