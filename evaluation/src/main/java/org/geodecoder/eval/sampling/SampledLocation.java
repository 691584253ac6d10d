package org.geodecoder.eval.sampling;

import org.geodecoder.geo.City;
import org.geodecoder.geo.Country;

/**
 * One sampled location.
 *
 * @param latDegrees latitude of the point
 * @param lonDegrees longitude of the point
 * @param country the country drawn
 * @param city the city of that country drawn
 * @param distanceFromCityKm great-circle distance from the city centre
 */
public record SampledLocation(
    double latDegrees, double lonDegrees, Country country, City city, double distanceFromCityKm) {}
