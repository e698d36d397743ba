package io.github.undertowstreaming.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The chart of a run: for each number of slow clients, the time until all finished and the
 * {@code /ping} p99, BlockingHandler next to the library, plus the fast-client throughputs.
 * Drawn headless, on the benchmark's main thread.
 */
final class Chart {

    final DefaultCategoryDataset finish = new DefaultCategoryDataset();
    final DefaultCategoryDataset ping = new DefaultCategoryDataset();
    final DefaultCategoryDataset throughput = new DefaultCategoryDataset();

    void write(Path png, String title, String slowClients) throws IOException {
        System.setProperty("java.awt.headless", "true");
        CombinedDomainCategoryPlot slow = new CombinedDomainCategoryPlot(new CategoryAxis(slowClients));
        slow.add(plot(finish, new NumberAxis("time until all finish (s)")), 1);
        LogAxis log = new LogAxis("/ping p99 during the load (ms, log)");
        log.setSmallestValue(0.1);
        CategoryPlot pings = plot(ping, log);
        pings.getRenderer().setDefaultSeriesVisibleInLegend(false); // the same series as above
        slow.add(pings, 1);
        JFreeChart top = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, slow, true);
        top.setBackgroundPaint(Color.WHITE);

        CategoryPlot fast = plot(throughput, new NumberAxis("MB/s"));
        fast.setDomainAxis(new CategoryAxis("fast clients"));
        JFreeChart bottom = new JFreeChart("Fast clients: throughput", JFreeChart.DEFAULT_TITLE_FONT, fast, true);
        bottom.setBackgroundPaint(Color.WHITE);

        BufferedImage image = new BufferedImage(1000, 1100, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            top.draw(g, new Rectangle2D.Double(0, 0, 1000, 650));
            bottom.draw(g, new Rectangle2D.Double(0, 650, 1000, 450));
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", png.toFile());
    }

    private static CategoryPlot plot(DefaultCategoryDataset data, ValueAxis axis) {
        BarRenderer r = new BarRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setSeriesPaint(0, new Color(0xC0392B));
        r.setSeriesPaint(1, new Color(0x2471A3));
        r.setSeriesPaint(2, new Color(0x27AE60));
        r.setSeriesPaint(3, new Color(0x7D3C98));
        r.setSeriesPaint(4, new Color(0xB9770E));
        r.setSeriesPaint(5, new Color(0x566573));
        CategoryPlot p = new CategoryPlot(data, null, axis, r);
        p.setBackgroundPaint(Color.WHITE);
        p.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return p;
    }
}
