package org.geodecoder.eval.report;

import java.awt.Color;

/** Colours shared by the plots, chosen to stay distinguishable for colour-blind readers. */
final class Palette {
  private Palette() {}

  /** Series colours (Tableau 10), one per dataset in order. */
  private static final Color[] SERIES = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
    new Color(0xbcbd22), new Color(0x17becf)
  };

  static Color series(int i) {
    return SERIES[i % SERIES.length];
  }

  /** Error bands (<= each paper threshold, then beyond): dark green to dark red. */
  static final Color[] ERROR_BANDS = {
    new Color(0x006837), new Color(0x31a354), new Color(0xa1d76a),
    new Color(0xfdae61), new Color(0xf46d43), new Color(0xa50026)
  };

  static final Color OCEAN = new Color(0xf3f7fb);
  static final Color LAND = new Color(0xe4e4e4);
  static final Color COAST = new Color(0xa8a8a8);
  static final Color GRID = new Color(0xd0d8e0);

  // Anchors of a perceptually ordered sequential map (light yellow to dark purple, "magma"-like).
  private static final Color[] SEQUENTIAL = {
    new Color(0xfcfdbf), new Color(0xfec287), new Color(0xfb8861), new Color(0xe65164),
    new Color(0xb73779), new Color(0x822681), new Color(0x51127c), new Color(0x1d1147)
  };

  /** Sequential colour for t in [0, 1] (0 = light, 1 = dark). */
  static Color sequential(double t) {
    double x = Math.max(0, Math.min(1, t)) * (SEQUENTIAL.length - 1);
    int i = Math.min(SEQUENTIAL.length - 2, (int) Math.floor(x));
    double f = x - i;
    Color a = SEQUENTIAL[i];
    Color b = SEQUENTIAL[i + 1];
    return new Color(
        (int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
        (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
        (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
  }
}
