package dev.batchqa.shared.model;

/** A machine-readable code and a human-readable message; used for HTTP errors and FAILED records. */
public record ErrorInfo(String code, String message) {}
