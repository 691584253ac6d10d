package org.geodecoder.model.inference;

/**
 * One candidate cell: a class of the finest hierarchy, its hierarchical score (the product of
 * its and its ancestors' probabilities) and its location (the class's mean training location).
 */
public record CellPrediction(int classLabel, double probability, double latDegrees, double lonDegrees) {}
