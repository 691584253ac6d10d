/** Building blocks shared by the encoder and the decoder: MLP, attention, stochastic depth. */
package org.geodecoder.model.nn;
