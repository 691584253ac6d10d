/**
 * Swin transformer encoder as DJL blocks: patch embedding, (shifted) window attention with
 * relative position bias, patch merging, stochastic depth; presets by name in {@link
 * org.geodecoder.model.swin.SwinConfig}.
 */
package org.geodecoder.model.swin;
