package org.geodecoder.jobs.train;

import java.io.Serializable;
import java.util.List;
import java.util.TreeMap;
import org.geodecoder.eval.EvaluationAccumulator;

/**
 * What one replica returns at the end of an epoch's stage: the metrics lines of the epoch's steps
 * (rank 0 only; including those restored from a checkpoint), its validation predictions
 * accumulated, its unusable samples by reason, and how many samples and steps it trained;
 * {@code divergedAtStep} is the step whose all-reduced loss or gradient was not finite (the
 * replica stopped there without applying it), −1 when training stayed finite.
 */
public record EpochReport(int rank, long endStep, List<String> stepLines, EvaluationAccumulator validation,
    TreeMap<String, Long> rejected, long trainedSamples, long steps, double trainSeconds, double syncSeconds,
    double validationSeconds, String device, long divergedAtStep) implements Serializable {}
