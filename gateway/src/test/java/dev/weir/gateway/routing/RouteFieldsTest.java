package dev.weir.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Tables for the pure parts of Envoy's route fields: string matchers, rewrites, query reading. */
class RouteFieldsTest {

  @ParameterizedTest(name = "{0} {1} ignore_case={2} on {3} -> {4}")
  @CsvSource({
    "EXACT, abc, false, abc, true",
    "EXACT, abc, false, ABC, false",
    "EXACT, abc, true, ABC, true",
    "PREFIX, ab, false, abc, true",
    "PREFIX, AB, true, abc, true",
    "PREFIX, ab, false, xab, false",
    "SUFFIX, bc, false, abc, true",
    "SUFFIX, BC, true, abc, true",
    "SUFFIX, abcd, false, bcd, false",
    "CONTAINS, b, false, abc, true",
    "CONTAINS, B, true, abc, true",
    "CONTAINS, x, true, abc, false",
    "SAFE_REGEX, 'a[0-9]+', false, a12, true",
    "SAFE_REGEX, 'a[0-9]+', false, a12x, false",
    "SAFE_REGEX, 'a[0-9]+', false, xa12, false",
    "SAFE_REGEX, 'A', true, a, false",
  })
  void stringMatchers(
      StringMatcher.Kind kind, String value, boolean ignoreCase, String input, boolean matches) {
    assertThat(StringMatcher.of(kind, value, ignoreCase).matches(input)).isEqualTo(matches);
    assertThat(StringMatcher.of(kind, value, ignoreCase).matches(null)).isFalse();
  }

  @ParameterizedTest(name = "{0} / {1} on {2} -> {3}")
  @CsvSource({
    "'^/full/.*$', /index.html, /full/a/b, /index.html",
    "'^/users/([0-9]+)/(\\w+)$', '/\\2/\\1', /users/7/profile, /profile/7",
    "-, _, /a-b-c, /a_b_c",
    "'x*', -, ab, -a-b-",
    "'(a)', '\\\\\\1', /a, /\\a",
    "b, c, /aaa, /aaa",
  })
  void regexRewrites(String regex, String substitution, String path, String rewritten) {
    assertThat(RegexRewrite.of(regex, substitution).apply(path)).isEqualTo(rewritten);
  }

  @ParameterizedTest(name = "{0} / {1}")
  @CsvSource({
    "'(a)', '\\2', 'substitution \"\\2\" names group 2 (expected: at most 1, the pattern''s groups)'",
    "a, '\\', 'substitution \"\\\" ends in a lone \\ (expected: \\\\ or \\0..\\9)'",
    "'(', x, 'error parsing regexp: missing closing ): `(`'",
  })
  void invalidRegexRewrites(String regex, String substitution, String message) {
    assertThatThrownBy(() -> RegexRewrite.of(regex, substitution))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @ParameterizedTest(name = "{0} [{1}] -> {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        "a=1&b=2, b, 2",
        "a=1&a=2, a, 1",
        "a, a, ''",
        "a=, a, ''",
        "a%20b=c%2Fd, a b, c/d",
        "x=%e2%82%ac, x, \u20ac",
        "x=1+2, x, 1+2",
        "x=%zz, x, %zz",
        "ab=1, a, null",
        "'', a, null",
        "null, a, null",
      })
  void queryParameters(String query, String name, String value) {
    assertThat(QueryParameters.first(query, name)).isEqualTo(value);
  }

  @ParameterizedTest(name = "{0} present={1} invert={2} missingAsEmpty={3} on {4} -> {5}")
  @CsvSource(
      nullValues = "null",
      value = {
        "prod, true, false, false, prod, true",
        "prod, true, true, false, dev, true",
        "prod, true, true, false, null, false",
        "prod, true, true, true, null, true",
        "null, true, false, false, x, true",
        "null, true, false, false, null, false",
        "null, false, false, false, null, true",
        "null, true, true, false, null, true",
      })
  void headerMatchers(
      String exact,
      boolean present,
      boolean invert,
      boolean missingAsEmpty,
      String value,
      boolean matches) {
    HeaderMatchSpec spec =
        new HeaderMatchSpec(
            "x",
            exact == null ? null : StringMatcher.exact(exact),
            present,
            invert,
            missingAsEmpty);
    assertThat(spec.matches(value)).isEqualTo(matches);
  }

  @ParameterizedTest(name = "{0} {1}{2} -> {3}")
  @CsvSource(
      nullValues = "null",
      value = {
        "http, a.example, /p, null, https://a.example/p",
        "http, a.example:80, /p, x=1, https://a.example/p?x=1",
        "http, a.example:8080, /p, null, https://a.example:8080/p",
        "https, a.example:443, /p, null, https://a.example:443/p",
        "http, '[::1]:80', /p, null, 'https://[::1]/p'",
      })
  void httpsRedirectKeepsOrDropsTheRequestPortAsEnvoy(
      String scheme, String host, String path, String query, String location) {
    RouteSpec spec =
        new RouteSpec(
            "r",
            "/",
            null,
            null,
            null,
            List.of(),
            301,
            "",
            0,
            0,
            RouteMatchSpec.NONE,
            new RouteActionSpec(
                null,
                null,
                null,
                List.of(),
                new RedirectSpec("https", null, 0, null, null, null, 301, false),
                List.of()));
    RouteEntry entry = new RouteEntry(spec, new Target[0], null);
    assertThat(entry.redirectLocation(scheme, host, path, query)).isEqualTo(location);
  }
}
