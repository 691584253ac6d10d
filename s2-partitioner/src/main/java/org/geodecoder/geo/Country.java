package org.geodecoder.geo;

/**
 * A country of the bundled world-countries table.
 *
 * @param iso2 ISO 3166-1 alpha-2 code
 * @param iso3 ISO 3166-1 alpha-3 code
 * @param name common English name
 * @param areaKm2 total area in km² (the source gives total, not land-only, area)
 * @param region continent-level region ("Europe", "Asia", ...)
 * @param subregion sub-continental region
 */
public record Country(
    String iso2, String iso3, String name, double areaKm2, String region, String subregion) {}
