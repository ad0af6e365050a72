// Draws each dashboard chart from the JSON the page carries beside it (json_script); the same
// numbers are in the table under the chart, which is what screen readers and the CSV use.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof window.Chart === "undefined") {
    return;
  }
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    const config = JSON.parse(source.textContent);
    config.options = Object.assign(
      { responsive: true, maintainAspectRatio: false },
      config.options || {},
    );
    if (reduced) {
      config.options.animation = false;
    }
    new window.Chart(canvas, config);
    // Drawn: the table folds away under its chart (it stays one click away, and open without
    // JavaScript).
    const details = canvas.closest("figure").querySelector("details");
    if (details) {
      details.open = false;
    }
  });
});
