package dev.batchqa.shared.model;

/**
 * One question as the service knows it, wherever it travels: in a request, a message, a completion. What it is
 * asked about (the context) and how (the options) belong to its {@link QuestionSet}, shared by its siblings.
 *
 * @param id   the id its record lives under
 * @param text the question as asked
 */
public record Question(String id, String text) {}
