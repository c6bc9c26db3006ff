package dev.weir.controller.admin;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A headless Chromium driven through chromedriver for a test class. Both come from the project's
 * {@code deploy/scripts/ensure-chromium.sh} (Debian's {@code chromium} and {@code chromium-driver},
 * installed when missing); when they cannot be had the test fails, unless {@code
 * WEIR_SKIP_BROWSER=1}.
 */
final class Chromium implements BeforeAllCallback, AfterAllCallback {

  private static final Path ENSURE = Path.of("..", "deploy", "scripts", "ensure-chromium.sh");

  private @Nullable ChromeDriver driver;

  /** The browser (after {@code beforeAll}). */
  WebDriver driver() {
    ChromeDriver d = driver;
    if (d == null) {
      throw new IllegalStateException("Chromium not started");
    }
    return d;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Assumptions.assumeFalse("1".equals(System.getenv("WEIR_SKIP_BROWSER")), "WEIR_SKIP_BROWSER=1");
    String[] binaries = ensureBinaries();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(binaries[0]);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1440,1100",
        "--no-first-run",
        "--no-default-browser-check");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(binaries[1]))
            .usingAnyFreePort()
            .withTimeout(Duration.ofSeconds(30))
            .build();
    ChromeDriver d = new ChromeDriver(service, options);
    d.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    driver = d;
  }

  private static String[] ensureBinaries() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", ENSURE.toString()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String[] lines = out.split("\n");
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || lines.length < 2) {
      fail(
          "no headless Chromium for the console's tests: "
              + ENSURE
              + " failed ("
              + err
              + "); install Debian's chromium and chromium-driver, or set WEIR_SKIP_BROWSER=1 to"
              + " skip");
    }
    return new String[] {lines[lines.length - 2], lines[lines.length - 1]};
  }

  @Override
  public void afterAll(ExtensionContext context) {
    ChromeDriver d = driver;
    if (d != null) {
      d.quit();
    }
  }
}
