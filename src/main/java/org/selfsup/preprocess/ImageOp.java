package org.selfsup.preprocess;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * One preprocessing step. Implementations never modify {@code in}; deterministic ops ignore
 * {@code rng}, random ops draw from it (so the same seed gives the same output).
 */
@FunctionalInterface
public interface ImageOp extends Serializable {
  Image apply(Image in, SplittableRandom rng);
}
