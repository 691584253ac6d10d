/**
 * Dataset analysis as in the paper's supplement: each image is assigned to its nearest city of
 * the world-cities table within a radius ({@link org.geodecoder.eval.analysis.NearestCityIndex}),
 * and the distribution of images per city is summarised by its Lorenz curve and Gini coefficient
 * ({@link org.geodecoder.eval.analysis.Inequality}). {@link
 * org.geodecoder.eval.analysis.DatasetAnalyzer} is the entry point; {@link
 * org.geodecoder.eval.analysis.DatasetAnalysisAccumulator} is the mergeable per-partition state.
 */
package org.geodecoder.eval.analysis;
