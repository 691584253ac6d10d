/**
 * The Spark ML pipeline API: {@link org.geodecoder.jobs.ml.GeoLocatorModel} (a {@code
 * Transformer} that geolocates a DataFrame of images, savable in a {@code PipelineModel}) and
 * {@link org.geodecoder.jobs.ml.GeoDecoderEstimator} ({@code fit(df)}: partition + distributed
 * training by the project's jobs, returning a {@code GeoLocatorModel}).
 */
package org.geodecoder.jobs.ml;
