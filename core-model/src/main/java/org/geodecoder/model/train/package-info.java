/**
 * Single-process training of one model replica, split so that a distributed job can all-reduce
 * gradients between backward and update; SGD with MultiStepLR and clipping on flat vectors.
 */
package org.geodecoder.model.train;
