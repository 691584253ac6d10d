/**
 * Writing evaluations out: {@code metrics.json} ({@link org.geodecoder.eval.report.MetricsJson}),
 * {@code report.md} ({@link org.geodecoder.eval.report.MarkdownReport}) and PNG plots (XChart
 * line charts, and Java2D equirectangular maps over a bundled world outline). {@link
 * org.geodecoder.eval.report.ReportWriter} writes them all into one directory. Rendering is
 * headless (no display needed).
 */
package org.geodecoder.eval.report;
