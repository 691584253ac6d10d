/**
 * Hierarchical inference: scene selection, per-hierarchy softmax, product over ancestors,
 * top-k cells with locations, TenCrop averaging, and attention maps.
 */
package org.geodecoder.model.inference;
