package dev.batchqa.shared.model;

/**
 * Which model answered a question, stored with its answers: the default numeric variant depends on the CPU, so two
 * answers to one question may come from different variants of one model.
 *
 * @param name    the model's name ({@code config.json} "name", else its directory's name)
 * @param variant its numeric variant: {@code fp32}, {@code bf16} or {@code int8}
 */
public record ModelInfo(String name, String variant) {}
