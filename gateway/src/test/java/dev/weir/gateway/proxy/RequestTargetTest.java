package dev.weir.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Request targets and Host values as a client may send them, judged as nginx does. */
class RequestTargetTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/", "/a/b?x=1&y=2", "/p?q=[1]", "/%41%7c", "/a;b=c/d:e@f", "/p?x=%20"})
  void uriSafeTargetsPassAsTheyAre(String target) {
    assertThat(RequestTarget.scan(target)).isEqualTo(RequestTarget.URI_SAFE);
    assertThat(URI.create("http://h" + target).getRawPath()).isNotNull();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "/p?x=1|2",
        "/p?y=^",
        "/p?z={a}",
        "/p|q",
        "/p{q}",
        "/p?q=`x`",
        "/p\"q",
        "/p<q>",
        "/p\\q",
        "/p[1]"
      })
  void targetsBrowsersSendNeedEncodingOnlyForSpring(String target) {
    assertThat(RequestTarget.scan(target)).isEqualTo(RequestTarget.NEEDS_ENCODING);
    String encoded = RequestTarget.encodeForUri(target);
    URI uri = URI.create("http://h" + encoded);
    assertThat(uri.getPath() + (uri.getQuery() == null ? "" : "?" + uri.getQuery()))
        .isEqualTo(target);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = ';',
      value = {
        "/a b;          bad request target: space 0x20 at 2",
        "/a%;           bad request target: '%' at 2 not followed by two hex digits",
        "/a%4;          bad request target: '%' at 2 not followed by two hex digits",
        "/a%zz?x=1;     bad request target: '%' at 2 not followed by two hex digits",
        "/a#frag;       bad request target: fragment ('#' at 2) not allowed",
        "'/a\u0001';    bad request target: control character 0x01 at 2",
        "'/a?\u007f';   bad request target: control character 0x7F at 3",
        "'/a\u0080';    bad request target: non-ASCII byte (percent-encode it) 0x80 at 2",
      })
  void malformedTargetsAreRefusedSayingWhy(String target, String message) {
    int scan = RequestTarget.scan(target);
    assertThat(scan).isNegative();
    assertThat(RequestTarget.problem(target, -scan - 1)).isEqualTo(message);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "hello.default.example.com", "HELLO.example.com:8080", "127.0.0.1", "127.0.0.1:80", "[::1]",
        "[::1]:8443", "a_b.example", "%41.example", "host:1", "host:65535"
      })
  void validHosts(String host) {
    assertThat(RequestTarget.validHost(host)).isTrue();
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(
      strings = {
        "",
        "name evil",
        "user@host",
        "host:80a",
        "host/path",
        "[::1",
        "[]",
        ":80",
        "host:80:81",
        "a\tb",
        "%4.example",
        "x:",
        "host:0",
        "host:65536",
        "host:99999",
        "host:123456",
        "host:08080x"
      })
  void invalidHosts(String host) {
    assertThat(RequestTarget.validHost(host)).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = ';',
      value = {
        "http://a.example/x?y=1;   a.example;       /x?y=1",
        "HTTPS://a.example:8443;   a.example:8443;  /",
        "http://a.example?q;       a.example;       /?q",
        "http://a.example/p|q;     a.example;       /p|q",
      })
  void absoluteFormTargetsGiveTheirAuthorityAndOriginForm(
      String target, String authority, String origin) {
    assertThat(RequestTarget.absoluteFormAuthority(target)).isEqualTo(authority);
    assertThat(RequestTarget.originForm(target)).isEqualTo(origin);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/x", "*", "x/y", "1http://a/"})
  void otherTargetsAreNotAbsoluteForm(String target) {
    assertThat(RequestTarget.absoluteFormAuthority(target)).isNull();
    assertThat(RequestTarget.originForm(target)).isEqualTo(target);
  }
}
