/** Checkpoints (model.json + safetensors) and import of timm Swin weights. */
package org.geodecoder.model.io;
