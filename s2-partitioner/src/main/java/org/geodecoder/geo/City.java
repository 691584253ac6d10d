package org.geodecoder.geo;

/**
 * A city of the bundled SimpleMaps world-cities table.
 *
 * @param name ASCII name
 * @param latDegrees latitude of the centre
 * @param lonDegrees longitude of the centre
 * @param iso2 ISO 3166-1 alpha-2 country code
 * @param iso3 ISO 3166-1 alpha-3 country code
 * @param population population, 0 where the source does not know it
 * @param capital "primary", "admin", "minor" or empty, as in the source
 */
public record City(
    String name,
    double latDegrees,
    double lonDegrees,
    String iso2,
    String iso3,
    long population,
    String capital) {

  public GeoPoint location() {
    return GeoPoint.fromDegrees(latDegrees, lonDegrees);
  }
}
