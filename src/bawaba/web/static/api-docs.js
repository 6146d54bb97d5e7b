// Starts the locally served Swagger UI on the portal's OpenAPI document (no inline script, no CDN).
(function () {
  "use strict";
  if (typeof window.SwaggerUIBundle !== "function") { return; }
  window.SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
})();
