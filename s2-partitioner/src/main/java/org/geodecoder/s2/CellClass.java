package org.geodecoder.s2;

/**
 * One class of one hierarchy: an S2 cell with the statistics of its training images. A row of
 * {@code cells.parquet}. Hierarchies are numbered from 1 (coarsest) as in {@code label_h1}.
 *
 * @param hierarchy 1-based hierarchy number
 * @param classLabel 0-based class label, in S2 cell-id order within the hierarchy
 * @param cellToken S2 cell token (hex, trailing zeros stripped)
 * @param level S2 level of the cell
 * @param count number of training images in the cell
 * @param latDegrees spherical mean latitude of the images (what inference predicts)
 * @param lonDegrees spherical mean longitude of the images
 * @param latMeanDegrees plain mean latitude (GeoEstimation compatibility)
 * @param lonMeanDegrees plain mean longitude (GeoEstimation compatibility)
 * @param centerLatDegrees latitude of the cell centre
 * @param centerLonDegrees longitude of the cell centre
 * @param parentClass class label of the enclosing cell in hierarchy {@code hierarchy − 1}, −1
 *     for the first hierarchy
 */
public record CellClass(
    int hierarchy,
    int classLabel,
    String cellToken,
    int level,
    long count,
    double latDegrees,
    double lonDegrees,
    double latMeanDegrees,
    double lonMeanDegrees,
    double centerLatDegrees,
    double centerLonDegrees,
    int parentClass) {

  public long cellId() {
    return CellIds.fromToken(cellToken);
  }
}
