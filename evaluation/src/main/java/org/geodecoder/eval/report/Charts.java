package org.geodecoder.eval.report;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** Common look of the XChart line charts, and writing them as PNG. */
final class Charts {
  static final int WIDTH = 1200;
  static final int HEIGHT = 800;

  private Charts() {}

  static XYChart newXyChart(String title, String xAxisTitle, String yAxisTitle) {
    XYChart chart = new XYChartBuilder()
        .width(WIDTH)
        .height(HEIGHT)
        .title(title)
        .xAxisTitle(xAxisTitle)
        .yAxisTitle(yAxisTitle)
        .build();
    Styler s = chart.getStyler();
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderColor(Color.GRAY);
    s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
    s.setChartTitleBoxVisible(false);
    s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
    s.setLegendBorderColor(Color.LIGHT_GRAY);
    s.setAntiAlias(true);
    chart.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 17));
    chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    chart.getStyler().setPlotGridLinesColor(new Color(0xe3e3e3));
    return chart;
  }

  static void write(XYChart chart, Path png) throws IOException {
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", png.toFile())) {
      throw new IOException("No PNG writer available for " + png);
    }
  }
}
