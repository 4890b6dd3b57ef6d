package io.registrationsigner.testing;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/** RestAssured requests to a port of this machine: the management interface's, mostly. */
public final class Http {

    private Http() {
    }

    public static RequestSpecification localhost(int port) {
        // Quarkus sets RestAssured's base URI, path and configuration from the HTTP port of a
        // @QuarkusIntegrationTest and, when the service has none (gRPC has a port of its own),
        // puts back nulls instead of the defaults it never saw.
        if (RestAssured.baseURI == null || RestAssured.basePath == null) {
            RestAssured.reset();
        }
        return RestAssured.given().baseUri("http://localhost").port(port);
    }
}
