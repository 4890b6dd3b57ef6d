package io.registrationsigner.testing;

import java.util.Map;

/** Reads one sample out of the Prometheus text format. */
public final class PrometheusText {

    private PrometheusText() {
    }

    /** The value of the sample (labels in any order, with or without the trailing comma of text format 0.0.4) {@code name} that carries all {@code labels}, or 0 when there is none yet. */
    public static double value(String body, String name, Map<String, String> labels) {
        return body.lines()
                .filter(line -> line.startsWith(name + "{"))
                .filter(line -> labels.entrySet().stream().allMatch(l -> line.contains(l.getKey() + "=\"" + l.getValue() + "\"")))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElse(0);
    }

    /** The sum of all samples of {@code name}, whatever their labels. */
    public static double sum(String body, String name) {
        return body.lines()
                .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
