package org.geodecoder.eval.analysis;

import org.geodecoder.geo.City;

/** Number of images assigned to one city. */
public record CityCount(City city, long images) {}
