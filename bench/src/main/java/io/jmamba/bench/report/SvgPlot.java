package io.jmamba.bench.report;

import io.jmamba.bench.scaling.ScalingSweep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A log-log line plot written as plain SVG: axes with power-of-two length ticks and decade time
 * ticks, one polyline with markers per curve, and a legend. Hand-written because it is a hundred
 * lines and needs no library.
 */
public final class SvgPlot {
    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
            "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    private static final int WIDTH = 960;
    private static final int HEIGHT = 600;
    private static final int LEFT = 80;
    private static final int RIGHT = 300;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    private SvgPlot() {
    }

    public static void write(String title, String xLabel, String yLabel, List<Curve> curves, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, render(title, xLabel, yLabel, curves));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static String render(String title, String xLabel, String yLabel, List<Curve> curves) {
        double xMin = Double.MAX_VALUE;
        double xMax = -Double.MAX_VALUE;
        double yMin = Double.MAX_VALUE;
        double yMax = -Double.MAX_VALUE;
        for (Curve c : curves) {
            for (int i = 0; i < c.xs().size(); i++) {
                xMin = Math.min(xMin, c.xs().get(i));
                xMax = Math.max(xMax, c.xs().get(i));
                yMin = Math.min(yMin, c.ys().get(i));
                yMax = Math.max(yMax, c.ys().get(i));
            }
        }
        if (xMin > xMax) { // nothing measured: draw empty axes over a default range
            xMin = 1024;
            xMax = 1 << 20;
            yMin = 0.01;
            yMax = 1000;
        }
        Axis x = new Axis(Math.floor(log2(xMin)), Math.max(Math.ceil(log2(xMax)), Math.floor(log2(xMin)) + 1), 2);
        Axis y = new Axis(Math.floor(Math.log10(yMin)), Math.max(Math.ceil(Math.log10(yMax)), Math.floor(Math.log10(yMin)) + 1), 10);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"28\" font-size=\"16\" text-anchor=\"middle\">%s</text>%n",
                LEFT + plotW / 2, escape(title)));
        // x ticks: every power of two, labelled every one when few, else every other
        int xSteps = (int) (x.hi - x.lo);
        int xLabelEvery = xSteps > 12 ? 2 : 1;
        for (int k = 0; k <= xSteps; k++) {
            double px = LEFT + plotW * k / (double) xSteps;
            svg.append(line(px, TOP, px, TOP + plotH, "#e0e0e0"));
            if (k % xLabelEvery == 0) {
                long len = Math.round(Math.pow(2, x.lo + k));
                svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                        px, TOP + plotH + 18, ScalingSweep.lengthLabel(len)));
            }
        }
        // y ticks: decades labelled, 2..9 as light minor lines
        int ySteps = (int) (y.hi - y.lo);
        for (int k = 0; k <= ySteps; k++) {
            double py = TOP + plotH - plotH * k / (double) ySteps;
            svg.append(line(LEFT, py, LEFT + plotW, py, "#c8c8c8"));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT - 6, py + 4, decade(y.lo + k)));
            if (k < ySteps) {
                for (int m = 2; m <= 9; m++) {
                    double pm = py - plotH / (double) ySteps * Math.log10(m);
                    svg.append(line(LEFT, pm, LEFT + plotW, pm, "#f0f0f0"));
                }
            }
        }
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>%n",
                LEFT, TOP, plotW, plotH));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                LEFT + plotW / 2, HEIGHT - 15, escape(xLabel)));
        svg.append(String.format(Locale.ROOT,
                "<text x=\"18\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">%s</text>%n",
                TOP + plotH / 2, TOP + plotH / 2, escape(yLabel)));
        svg.append(guides(x, y, plotW, plotH, xMin, yMin));
        for (int i = 0; i < curves.size(); i++) {
            Curve c = curves.get(i);
            String color = COLORS[i % COLORS.length];
            StringBuilder pts = new StringBuilder();
            StringBuilder markers = new StringBuilder();
            for (int j = 0; j < c.xs().size(); j++) {
                double px = LEFT + plotW * (log2(c.xs().get(j)) - x.lo) / (x.hi - x.lo);
                double py = TOP + plotH - plotH * (Math.log10(c.ys().get(j)) - y.lo) / (y.hi - y.lo);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                markers.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n", px, py, color));
            }
            svg.append(String.format(Locale.ROOT, "<g class=\"series\" data-name=\"%s\">%n", escape(c.name())));
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\"/>%n",
                    color, c.dashed() ? " stroke-dasharray=\"6 4\"" : "", pts.toString().trim()));
            svg.append(markers);
            svg.append("</g>\n");
            int ly = TOP + 10 + 20 * i;
            int lx = LEFT + plotW + 15;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
                    lx, ly, lx + 24, ly, color, c.dashed() ? " stroke-dasharray=\"6 4\"" : ""));
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"%s\"/>%n", lx + 12, ly, color));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", lx + 30, ly + 4, escape(c.name())));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private record Axis(double lo, double hi, int base) {
    }

    /**
     * Faint reference lines for time ~ L and time ~ L^2 from the lowest data point at the shortest
     * length, clipped to the plot, so a reader sees at a glance which curves are linear.
     */
    private static String guides(Axis x, Axis y, int plotW, int plotH, double x0, double y0) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT,
                "<clipPath id=\"plot-area\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath>%n",
                LEFT, TOP, plotW, plotH));
        double x1 = Math.pow(2, x.hi);
        for (int k = 1; k <= 2; k++) {
            double y1 = y0 * Math.pow(x1 / x0, k);
            double px0 = LEFT + plotW * (log2(x0) - x.lo) / (x.hi - x.lo);
            double py0 = TOP + plotH - plotH * (Math.log10(y0) - y.lo) / (y.hi - y.lo);
            double px1 = LEFT + plotW;
            double py1 = TOP + plotH - plotH * (Math.log10(y1) - y.lo) / (y.hi - y.lo);
            sb.append(String.format(Locale.ROOT,
                    "<line class=\"guide\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#b0b0b0\" stroke-dasharray=\"2 4\" clip-path=\"url(#plot-area)\"/>%n",
                    px0, py0, px1, py1));
            // label where the guide leaves the plot (right edge or top edge)
            double lx = py1 >= TOP ? px1 - 4 : px0 + (px1 - px0) * (py0 - TOP) / (py0 - py1) - 4;
            double ly = Math.max(TOP + 12, py1 - 4);
            sb.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#909090\" font-size=\"11\">%s</text>%n",
                    lx, ly, k == 1 ? "~L" : "~L\u00b2"));
        }
        return sb.toString();
    }

    private static String line(double x1, double y1, double x2, double y2, String color) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                x1, y1, x2, y2, color);
    }

    private static String decade(double exponent) {
        int e = (int) Math.round(exponent);
        if (e >= 0) {
            return String.format(Locale.ROOT, "%d", Math.round(Math.pow(10, e)));
        }
        return String.format(Locale.ROOT, "%." + (-e) + "f", Math.pow(10, e));
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
