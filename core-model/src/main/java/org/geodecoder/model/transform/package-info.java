/**
 * Image decoding with typed errors, and the paper's train/eval pipelines (DJL transforms plus
 * our rotation, colour jitter and TenCrop), with seeded randomness.
 */
package org.geodecoder.model.transform;
