package org.geodecoder.eval.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.geodecoder.eval.GreatCircle;
import org.geodecoder.geo.City;
import org.geodecoder.geo.Country;
import org.junit.jupiter.api.Test;

class Gws15kSamplerTest {
  private static final double R = GreatCircle.EARTH_RADIUS_KM;

  @Test
  void reproducibleForASeedAndIndexAddressable() {
    List<SampledLocation> a = Gws15kSampler.worldCities(2023).sample(1000);
    List<SampledLocation> b = Gws15kSampler.worldCities(2023).sample(1000);
    assertEquals(a, b);
    assertEquals(a.get(777), Gws15kSampler.worldCities(2023).draw(777));
    List<SampledLocation> other = Gws15kSampler.worldCities(2024).sample(1000);
    long same = 0;
    for (int i = 0; i < 1000; i++) {
      same += a.get(i).city().equals(other.get(i).city()) ? 1 : 0;
    }
    assertTrue(same < 50, "another seed draws other cities: " + same + " equal");
  }

  @Test
  void everyPointIsWithinFiveKmOfItsCityOfItsCountry() {
    Gws15kSampler sampler = Gws15kSampler.worldCities(1);
    for (SampledLocation s : sampler.sample(20_000)) {
      double d = GreatCircle.distanceKm(
          s.latDegrees(), s.lonDegrees(), s.city().latDegrees(), s.city().lonDegrees());
      assertTrue(d <= 5 + 1e-9, "point " + d + " km from " + s.city().name());
      assertEquals(s.distanceFromCityKm(), d, 1e-8);
      assertEquals(s.country().iso2(), s.city().iso2());
    }
  }

  @Test
  void radialDistributionIsUniformOverTheCap() {
    Gws15kSampler sampler = Gws15kSampler.worldCities(9);
    int n = 40_000;
    int withinHalf = 0;
    int northOfCity = 0;
    for (int i = 0; i < n; i++) {
      SampledLocation s = sampler.draw(i);
      withinHalf += s.distanceFromCityKm() <= 2.5 ? 1 : 0;
      northOfCity += s.latDegrees() > s.city().latDegrees() ? 1 : 0;
    }
    // Area fraction of the inner cap: (1 - cos(2.5/R)) / (1 - cos(5/R)) = 0.25 + 1e-7
    double expected = Math.pow(Math.sin(2.5 / (2 * R)) / Math.sin(5 / (2 * R)), 2);
    assertEquals(0.25, expected, 1e-6);
    double sigma = Math.sqrt(expected * (1 - expected) / n); // ~0.0022
    assertEquals(expected, withinHalf / (double) n, 4 * sigma);
    assertEquals(0.5, northOfCity / (double) n, 4 * Math.sqrt(0.25 / n));
  }

  @Test
  void countryFrequenciesFollowArea() {
    Gws15kSampler sampler = Gws15kSampler.worldCities(4);
    List<Country> countries = sampler.drawableCountries();
    // Antarctica has no city and Svalbard no area: neither can be drawn.
    assertTrue(countries.stream().noneMatch(c -> c.iso3().equals("ATA")));
    assertTrue(countries.stream().noneMatch(c -> c.iso3().equals("SJM")));
    double total = 0;
    for (int i = 0; i < countries.size(); i++) {
      total += countries.get(i).areaKm2();
    }
    for (int i = 0; i < countries.size(); i++) {
      assertEquals(countries.get(i).areaKm2() / total, sampler.countryProbability(i), 1e-12);
    }

    int n = 100_000;
    Map<String, Integer> observed = new HashMap<>();
    for (int i = 0; i < n; i++) {
      observed.merge(sampler.draw(i).country().iso2(), 1, Integer::sum);
    }
    // Pearson chi-square over countries expected >= 5 times, the rest pooled in one cell.
    double chiSquare = 0;
    int cells = 0;
    double pooledExpected = 0;
    int pooledObserved = 0;
    for (int i = 0; i < countries.size(); i++) {
      double expected = n * sampler.countryProbability(i);
      int seen = observed.getOrDefault(countries.get(i).iso2(), 0);
      if (expected >= 5) {
        chiSquare += (seen - expected) * (seen - expected) / expected;
        cells++;
      } else {
        pooledExpected += expected;
        pooledObserved += seen;
      }
    }
    chiSquare += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected)
        / pooledExpected;
    int df = cells; // cells + 1 pooled, minus 1
    assertTrue(cells > 100, "enough countries tested: " + cells);
    // Mean df, sd sqrt(2 df): 5 sd above the mean is far beyond any plausible deviation.
    assertTrue(chiSquare < df + 5 * Math.sqrt(2.0 * df),
        "chi-square " + chiSquare + " with " + df + " degrees of freedom");
    // And the biggest country really dominates: Russia ~ 11.5% of the drawable area.
    int russia = observed.get("RU");
    assertEquals(n * sampler.countryProbability(indexOf(countries, "RU")), russia, 600);
  }

  private static int indexOf(List<Country> countries, String iso2) {
    for (int i = 0; i < countries.size(); i++) {
      if (countries.get(i).iso2().equals(iso2)) {
        return i;
      }
    }
    throw new AssertionError(iso2);
  }

  @Test
  void citiesAreUniformWithinTheCountry() {
    List<Country> one = List.of(new Country("AA", "AAA", "A", 100, "R", "S"));
    List<City> cities = List.of(
        new City("big", 0, 0, "AA", "AAA", 1_000_000, ""),
        new City("small", 10, 10, "AA", "AAA", 1, ""),
        new City("elsewhere", 20, 20, "BB", "BBB", 1, ""));
    Gws15kSampler sampler = Gws15kSampler.of(one, cities, 5, 3);
    int big = 0;
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      String name = sampler.draw(i).city().name();
      assertNotEquals("elsewhere", name);
      big += name.equals("big") ? 1 : 0;
    }
    assertEquals(0.5, big / (double) n, 4 * Math.sqrt(0.25 / n));
  }

  @Test
  void rejectsBadArguments() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Gws15kSampler.of(List.of(), List.of(), 0, 1));
    assertTrue(e.getMessage().contains("radiusKm"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Gws15kSampler.of(List.of(), List.of(), 5, 1));
    assertTrue(e.getMessage().contains("No country"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Gws15kSampler.worldCities(1).sample(-1));
    assertTrue(e.getMessage().contains("n must be"), e.getMessage());
  }
}
