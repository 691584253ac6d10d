/** The paper's loss with ignored labels, and its per-term values for logging. */
package org.geodecoder.model.loss;
