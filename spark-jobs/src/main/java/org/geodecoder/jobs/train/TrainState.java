package org.geodecoder.jobs.train;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where a run stands after {@code step} updates: the epoch it is in, how many of that epoch's
 * steps are done (the data position), and the run constants the position depends on. The random
 * state needs nothing more: augmentations are seeded by (seed, epoch, sample position) and
 * stochastic depth by (seed, step).
 */
public record TrainState(
    @JsonProperty("step") long step,
    @JsonProperty("epoch") int epoch,
    @JsonProperty("step_in_epoch") long stepInEpoch,
    @JsonProperty("steps_per_epoch") long stepsPerEpoch,
    @JsonProperty("batch_size") int batchSize,
    @JsonProperty("replicas") int replicas,
    @JsonProperty("seed") long seed,
    @JsonProperty("learning_rate") double learningRate) {

  /** The epoch to run next: this one unless all its steps are done. */
  public int nextEpoch() {
    return stepInEpoch >= stepsPerEpoch ? epoch + 1 : epoch;
  }
}
