/**
 * The geolocalization model of Clark et al., CVPR 2023 ("Where We Are and What We're Looking
 * At"), on DJL: configuration and presets ({@link org.geodecoder.model.ModelConfig}), the class
 * hierarchy ({@link org.geodecoder.model.ClassHierarchy}), the network block ({@link
 * org.geodecoder.model.GeoLocalizer}) and a model with its parameters on a device ({@link
 * org.geodecoder.model.GeoModel}). See core-model/README.md.
 */
package org.geodecoder.model;
