/**
 * Sampling of benchmark locations: {@link org.geodecoder.eval.sampling.Gws15kSampler} draws
 * GWS15k-style locations (country ∝ area, then a city, then a point near it).
 */
package org.geodecoder.eval.sampling;
