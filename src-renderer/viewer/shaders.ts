/**
 * GLSL for the point cloud. One vertex shader serves the visible pass and the picking pass: it
 * mixes the previous and the new position (smooth transitions between epochs or projections)
 * and sizes points in device pixels, slightly larger when near; a selected group stands out.
 */
export const pointsVertex = /* glsl */ `
  attribute vec3 aFrom;
  attribute vec3 color;
  attribute float aId;
  // 1 for a point of the selected group (lasso, box, filter), else 0; uDim is 1 while a group
  // is selected: its points are drawn larger and in front, the others dimmed.
  attribute float aMark;
  uniform float uProgress;
  uniform float uSize;
  uniform float uPixelRatio;
  uniform float uMinPickSize;
  uniform float uDim;
  varying vec3 vColor;
  varying float vId;
  void main() {
    float t = uProgress * uProgress * (3.0 - 2.0 * uProgress);
    vec3 p = mix(aFrom, position, t);
    vec4 mv = modelViewMatrix * vec4(p, 1.0);
    gl_Position = projectionMatrix * mv;
    float marked = aMark * uDim;
    gl_Position.z -= 0.002 * marked * gl_Position.w;
    float perspective = clamp(4.0 / max(-mv.z, 0.01), 0.6, 1.8);
    gl_PointSize = max(uSize * perspective * (1.0 + 0.35 * marked), uMinPickSize) * uPixelRatio;
    // The rest fades towards the background (#0f1115).
    vColor = mix(color, color * 0.25 + vec3(0.044, 0.05, 0.062), uDim - marked);
    vId = aId;
  }
`;

export const pointsFragment = /* glsl */ `
  uniform float uOpacity;
  varying vec3 vColor;
  void main() {
    vec2 c = gl_PointCoord - 0.5;
    float r2 = dot(c, c);
    if (r2 > 0.25) discard;
    float edge = smoothstep(0.25, 0.16, r2);
    gl_FragColor = vec4(vColor * (0.82 + 0.18 * edge), uOpacity);
  }
`;

/** Writes id + 1 as a 24-bit colour (0 = no point). Exact for ids below 2^24. */
export const pickFragment = /* glsl */ `
  varying float vId;
  void main() {
    vec2 c = gl_PointCoord - 0.5;
    if (dot(c, c) > 0.25) discard;
    float id = vId + 1.0;
    float r = mod(id, 256.0);
    float g = mod(floor(id / 256.0), 256.0);
    float b = floor(id / 65536.0);
    gl_FragColor = vec4(r / 255.0, g / 255.0, b / 255.0, 1.0);
  }
`;

/** Markers (holes, selection, decode target): rings of a uniform colour. */
export const markerVertex = /* glsl */ `
  uniform float uSize;
  uniform float uPixelRatio;
  void main() {
    vec4 mv = modelViewMatrix * vec4(position, 1.0);
    gl_Position = projectionMatrix * mv;
    gl_PointSize = uSize * uPixelRatio;
  }
`;

export const markerFragment = /* glsl */ `
  uniform vec3 uColor;
  uniform float uInner;
  void main() {
    vec2 c = gl_PointCoord - 0.5;
    float r = length(c) * 2.0;
    if (r > 1.0 || r < uInner) discard;
    gl_FragColor = vec4(uColor, 0.85);
  }
`;
