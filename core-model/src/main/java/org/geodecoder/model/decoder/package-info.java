/**
 * The GeoDecoder: learned hierarchy×scene queries, pre-LN decoder layers (the last ones
 * hierarchy dependent), and the per-hierarchy classifiers with scene confidences.
 */
package org.geodecoder.model.decoder;
