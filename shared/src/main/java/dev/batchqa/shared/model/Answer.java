package dev.batchqa.shared.model;

/**
 * One extracted answer.
 *
 * @param text  exactly {@code context.substring(start, end)} of the submitted context
 * @param start start offset in UTF-16 code units (Java {@code String} / JavaScript string indices), inclusive
 * @param end   end offset in UTF-16 code units, exclusive
 * @param score the engine's confidence in [0, 1]: comparable across requests
 */
public record Answer(String text, int start, int end, double score) {}
