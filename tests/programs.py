"""The end-to-end corpus: ordinary scalar Python that users hand to `s2sad.grad`.

Every function here is registered in `PROGRAMS` with the point at which its reverse-mode gradient
is checked against finite differences (`tests/gradcheck.py`). Points sit well away from kinks,
branch switches and loop-count changes; `test_programs.py::test_corpus_point_is_smooth` guards
that (finite differences with steps h and h/2 must agree).

`ERROR_PROGRAMS` are functions s2sad must reject with a located error; the offending line ends in
a `# ERROR` comment (in this file or in `programs_helpers.py`).

Rules for editing: keep each point smooth (run `pytest tests/test_programs.py -k corpus`), no dead
stores (the generated source must carry a commented block for every computing assignment and
return of these functions), no statements after an unconditional `return`, unique function names
(they are the test ids).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import programs_helpers_other as geo
from .programs_helpers import (
    cartesian_to_polar,
    clamp,
    damped_cosine,
    discount_factor,
    double_well,
    gamma_ratio,
    grid_weight,
    lerp,
    newton_sqrt,
    norm_cdf,
    polar_to_cartesian,
    rk4_step,
    rotate_about,
    sigmoid,
    smoothstep,
    softplus,
    spring_energy,
    texel,
)
from .programs_helpers_other import huber, logsumexp2, rotate, wrap_angle

# Module-level constants, read by the programs below.
G = 9.81
DT = 0.01
RHO_AIR = 1.225
TWO_PI = 2.0 * math.pi
LN2 = math.log(2.0)
EARTH_RADIUS_KM = 6371.0
CELL = 0.5
LJ_CUTOFF = 2.5
MAX_DT = 0.02
ARM_L1 = 1.0
ARM_L2 = 0.7


@dataclass(frozen=True)
class Program:
    """A corpus entry: differentiate `fn` w.r.t. `wrt` at `args`."""

    fn: Callable
    args: tuple
    wrt: int | str | tuple
    note: str = ""

    @property
    def name(self) -> str:
        return self.fn.__name__


@dataclass(frozen=True)
class ErrorProgram:
    """A function s2sad must reject when asked for `grad(fn, wrt)(*args)`.

    `errors` names the acceptable classes in `s2sad.errors`. `where` is the function whose source
    holds the `# ERROR` line (default: `fn`); `check_line=False` for errors with no source line
    (a gradient asked w.r.t. an integer argument).
    """

    fn: Callable
    args: tuple
    wrt: int | str | tuple
    errors: tuple
    note: str = ""
    where: Callable | None = None
    check_line: bool = True
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.fn.__name__


# =================================================================================================
# Straight-line formulas: arithmetic operators, math functions, constants
# =================================================================================================


def kinetic_energy(mass, velocity):
    return 0.5 * mass * velocity ** 2


def projectile_range(v0, angle_deg):
    theta = angle_deg * math.pi / 180.0
    return v0 ** 2 * math.sin(2.0 * theta) / G


def drag_force(velocity, drag_coefficient, area):
    return -0.5 * RHO_AIR * drag_coefficient * area * velocity * abs(velocity)


def thin_lens_magnification(focal_length, object_distance):
    inverse = 1.0 / focal_length - 1.0 / object_distance
    image_distance = 1.0 / inverse
    magnification = -image_distance / object_distance
    return magnification * image_distance


def harmonic_mean3(a, b, c):
    return 3.0 / (1.0 / a + 1.0 / b + 1.0 / c)


def loaded_divider_power(v_in, r1, r2, r_load):
    r_parallel = r2 * r_load / (r2 + r_load)
    v_out = v_in * r_parallel / (r1 + r_parallel)
    return v_out * v_out / r_load


def sawtooth_with_decay(t, period, amplitude):
    cycles = t // period
    phase = t % period
    envelope = 0.9 ** cycles
    return amplitude * envelope * (2.0 * phase / period - 1.0)


def bilinear_texture(u, v):
    i = math.floor(u)
    j = math.floor(v)
    fu = u - i
    fv = v - math.floor(v)
    top = lerp(texel(i, j), texel(i + 1, j), fu)
    bottom = lerp(texel(i, j + 1), texel(i + 1, j + 1), fu)
    return lerp(top, bottom, fv)


def phase_misalignment(theta, target):
    turns = math.trunc(theta / TWO_PI)
    reduced = theta - turns * TWO_PI
    return 1.0 - math.cos(reduced - target)


def metered_cost(usage, unit_price):
    blocks = math.ceil(usage / 0.25)
    return blocks * 0.25 * unit_price + 0.01 * usage * usage


def haversine_distance(lat1, lon1, lat2, lon2):
    to_rad = math.pi / 180.0
    dlat = (lat2 - lat1) * to_rad
    dlon = (lon2 - lon1) * to_rad
    a = (math.sin(0.5 * dlat) ** 2
         + math.cos(lat1 * to_rad) * math.cos(lat2 * to_rad) * math.sin(0.5 * dlon) ** 2)
    c = 2.0 * math.atan2(math.sqrt(a), math.sqrt(1.0 - a))
    return EARTH_RADIUS_KM * c


def triangle_angle(a, b, c):
    cos_gamma = (a * a + b * b - c * c) / (2.0 * a * b)
    return math.acos(cos_gamma)


def heron_triangle_area(a, b, c):
    s = 0.5 * (a + b + c)
    return math.sqrt(s * (s - a) * (s - b) * (s - c))


def ellipse_perimeter(a, b):
    h = ((a - b) / (a + b)) ** 2
    return math.pi * (a + b) * (1.0 + 3.0 * h / (10.0 + math.sqrt(4.0 - 3.0 * h)))


def refraction_angle(incidence, n1, n2):
    s = n1 / n2 * math.sin(incidence)
    if s >= 1.0:
        return 0.5 * math.pi
    return math.asin(s)


def pendulum_period(length, amplitude):
    small_angle = 2.0 * math.pi * math.sqrt(length / G)
    k = math.sin(0.5 * amplitude)
    return small_angle * (1.0 + k * k / 4.0 + 9.0 * k ** 4 / 64.0)


def camera_coverage(focal_length, sensor_width, distance):
    half_angle = math.atan(sensor_width / (2.0 * focal_length))
    return 2.0 * distance * math.tan(1.1 * half_angle)


def banked_curve_speed(radius, bank_angle, mu):
    slope = math.tan(bank_angle)
    return math.sqrt(radius * G * (slope + mu) / (1.0 - mu * slope))


def catenary_cable(span, a):
    half = span / (2.0 * a)
    length = 2.0 * a * math.sinh(half)
    sag = a * (math.cosh(half) - 1.0)
    return length + 3.0 * sag


def tiny_tanh_network(x, w, b):
    h1 = math.tanh(w * x + b)
    h2 = math.tanh(w * h1 - b)
    return h2 * h2


def gelu(x):
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
    return 0.5 * x * (1.0 + math.tanh(inner))


def asinh_stretch(flux, softening):
    return math.asinh(flux / softening) / math.asinh(1.0 / softening)


def relativistic_velocity_sum(v1, v2, c):
    rapidity = math.atanh(v1 / c) + math.atanh(v2 / c)
    return c * math.tanh(rapidity)


def momentum_from_energy(energy, mass):
    rapidity = math.acosh(energy / mass)
    return mass * math.sinh(rapidity)


def fisher_z_upper(r, n):
    z = math.atanh(r)
    se = 1.0 / math.sqrt(n - 3)
    return math.tanh(z + 1.96 * se)


def log_return_total(p0, p1, p2):
    r1 = (p1 - p0) / p0
    r2 = (p2 - p1) / p1
    return math.log1p(r1) + math.log1p(r2)


def signal_to_noise_db(signal_power, noise_power):
    return 10.0 * math.log10(signal_power / noise_power)


def binary_entropy_bits(p):
    q = 1.0 - p
    return -(p * math.log2(p) + q * math.log2(q))


def entropy_in_base(p, base):
    q = 1.0 - p
    return -(p * math.log(p, base) + q * math.log(q, base))


def ternary_search_cost(n_items, compare_cost):
    depth = math.log(n_items, 3.0)
    return compare_cost * 2.0 * depth


def annuity_factor(rate, years):
    return math.expm1(rate * years) / rate


def planck_radiance(wavelength_um, temperature):
    x = 14387.77 / (wavelength_um * temperature)
    return 1.0 / (wavelength_um ** 5 * math.expm1(x))


def stellar_luminosity(radius, temperature):
    return 4.0 * math.pi * radius ** 2 * math.pow(temperature / 5772.0, 4.0)


def allometric_metabolism(mass, exponent):
    return 70.0 * math.pow(mass, exponent)


def signed_sqrt(x):
    return math.copysign(math.sqrt(math.fabs(x)), x)


def soft_clip(x, limit):
    magnitude = min(math.fabs(x), limit)
    return math.copysign(magnitude, x)


def gaussian_mixture_density(x, mu1, mu2, weight):
    norm = 1.0 / math.sqrt(2.0 * math.pi)
    p1 = norm * math.exp(-0.5 * (x - mu1) ** 2)
    p2 = norm * math.exp(-0.5 * (x - mu2) ** 2)
    return -math.log(weight * p1 + (1.0 - weight) * p2)


def orbital_speed(radius, semi_major_axis, mu):
    return math.sqrt(mu * (2.0 / radius - 1.0 / semi_major_axis))


def doppler_frequency(f_source, v_observer, v_source):
    c = 343.0
    return f_source * (c + v_observer) / (c - v_source)


def mortgage_payment(principal, annual_rate, years):
    r = annual_rate / 12.0
    n_payments = years * 12
    return principal * r / (1.0 - (1.0 + r) ** -n_payments)


def regular_polygon_area(radius, n_sides):
    n = float(n_sides)
    return 0.5 * n * radius * radius * math.sin(TWO_PI / n)


# =================================================================================================
# min, max, abs
# =================================================================================================


def relu6_regression(x, w, b):
    z = w * x + b
    activation = min(max(z, 0.0), 6.0)
    return (activation - 2.0) ** 2


def envelope_span(a, b, c):
    peak = max(a * a, b * b, c * c)
    trough = min(a, b, c)
    return peak - trough


def taxicab_plus_chebyshev(x1, y1, x2, y2):
    dx = abs(x1 - x2)
    dy = abs(y1 - y2)
    return dx + dy + 0.5 * max(dx, dy)


def softmax_cross_entropy3(a, b, c, label):
    m = max(a, b, c)
    ea = math.exp(a - m)
    eb = math.exp(b - m)
    ec = math.exp(c - m)
    if label == 0:
        picked = ea
    elif label == 1:
        picked = eb
    else:
        picked = ec
    return -math.log(picked / (ea + eb + ec))


# =================================================================================================
# Branches: if / elif / else, nested ifs, conditional expressions, boolean conditions
# =================================================================================================


def stable_quadratic_root(a, b, c):
    disc = b * b - 4.0 * a * c
    if disc < 0.0:
        return -b / (2.0 * a)
    root = math.sqrt(disc)
    if b >= 0.0:
        q = -0.5 * (b + root)
    else:
        q = -0.5 * (b - root)
    return max(q / a, c / q)


def income_tax(income, rate_low, rate_high):
    if income <= 10000.0:
        tax = income * rate_low
    elif income <= 40000.0:
        tax = 10000.0 * rate_low + (income - 10000.0) * rate_high
    else:
        tax = 10000.0 * rate_low + 30000.0 * rate_high + (income - 40000.0) * (rate_high + 0.1)
    return tax


def stribeck_friction(velocity, mu_static, mu_kinetic):
    speed = abs(velocity)
    if speed < 0.1:
        if velocity > 0.0:
            return mu_static * speed / 0.1
        else:
            return -mu_static * speed / 0.1
    mu = mu_kinetic + (mu_static - mu_kinetic) * math.exp(-speed / 0.5)
    return math.copysign(mu, velocity)


def bounce_velocity(velocity, restitution, height):
    v_after = -restitution * velocity if height < 0.0 else velocity
    friction = 0.98 if abs(v_after) > 1.0 else 0.9
    return v_after * friction


def sphere_drag(speed, density, diameter_mm, viscosity_upas):
    diameter = 1e-3 * diameter_mm
    reynolds = density * speed * diameter / (1e-6 * viscosity_upas)
    if reynolds < 1.0:
        cd = 24.0 / reynolds
    elif reynolds < 1000.0:
        cd = 24.0 / reynolds * (1.0 + 0.15 * reynolds ** 0.687)
    else:
        cd = 0.44
    area_mm2 = 0.25 * math.pi * diameter_mm * diameter_mm
    return 0.5 * density * speed * speed * cd * area_mm2


def landing_score(x, y, vx, vy):
    on_pad = -1.0 < x < 1.0 and y < 0.5
    gentle = not (abs(vy) > 2.0 or abs(vx) > 1.0)
    if on_pad and gentle:
        return vx * vx + vy * vy
    return 10.0 + x * x + y * y + vx * vx + vy * vy


def band_pass_gain(freq, low, high):
    if low < freq < high:
        center = 0.5 * (low + high)
        width = high - low
        return 1.0 - ((freq - center) / width) ** 2
    if not freq > low:
        return math.exp((freq - low) / low)
    return math.exp((high - freq) / high)


def thermostat_power(temp, setpoint, gain):
    error = setpoint - temp
    if error > 2.0 or temp < 0.0:
        power = gain * 2.0 + 0.5 * error
    elif error > 0.0 and not temp > setpoint:
        power = gain * error
    else:
        power = 0.1 * gain * math.exp(error)
    return power * power


def ordered_pair_loss(x, y):
    lo, hi = x, y
    if lo > hi:
        lo, hi = hi, lo
    return hi - 0.5 * lo + lo * hi


def inclined_slide_time(length, angle, mu):
    accel = G * (math.sin(angle) - mu * math.cos(angle))
    if accel <= 0.0:
        return 1e6
    return math.sqrt(2.0 * length / accel)


# =================================================================================================
# for loops: range forms, nested loops, loop index in arithmetic, branches in the body
# =================================================================================================


def compound_interest(principal, rate, years):
    balance = principal
    for _ in range(years):
        balance *= 1.0 + rate
    return balance


def taylor_exp(x, n_terms):
    total = 1.0
    term = 1.0
    for i in range(1, n_terms):
        term *= x / float(i)
        total += term
    return total


def log_series_horner(x, n):
    acc = 0.0
    for k in range(n, 0, -1):
        acc = acc * x + 1.0 / k
    return acc


def trapezoid_damped_sine(a, b, n):
    h = (b - a) / n
    total = 0.5 * (math.sin(a) * math.exp(-a) + math.sin(b) * math.exp(-b))
    for i in range(1, n):
        x = a + i * h
        total += math.sin(x) * math.exp(-x)
    return total * h


def stepped_geometric(x, ratio):
    whole = int(x)
    total = 0.0
    for i in range(whole):
        total += ratio ** i
    return total + (x - whole) * ratio ** whole


def spring_pairs_energy(k, stretch, n_masses):
    energy = 0.0
    for i in range(n_masses // 2):
        dx = stretch * (1.0 + 0.1 * i)
        energy += spring_energy(k, dx)
    return energy


def grid_potential(charge, x0, y0, n):
    phi = 0.0
    for i in range(n):
        for j in range(n):
            dx = x0 - i
            dy = y0 - j
            phi += charge * grid_weight(i, j) / math.sqrt(dx * dx + dy * dy + 0.25)
    return phi


def daily_energy_cost(price_peak, price_offpeak, base_load):
    cost = 0.0
    for hour in range(24):
        load = base_load * (1.0 + 0.3 * math.sin(TWO_PI * hour / 24.0))
        if 7 <= hour < 19:
            cost += price_peak * load
        elif hour == 19 or hour == 6:
            cost += 0.5 * (price_peak + price_offpeak) * load
        else:
            cost += price_offpeak * load
    return cost


def bouncing_ball_height(h0, restitution, n_steps):
    y = h0
    v = 0.0
    for _ in range(n_steps):
        v -= G * DT
        y += v * DT
        if y < 0.0:
            y = -y * restitution
            v = -v * restitution
    return y


def projectile_with_drag(v0, angle, duration):
    n_steps = math.ceil(duration / MAX_DT)
    dt = duration / n_steps
    vx = v0 * math.cos(angle)
    vy = v0 * math.sin(angle)
    x = 0.0
    y = 0.0
    for _ in range(n_steps):
        speed = math.hypot(vx, vy)
        vx -= 0.02 * speed * vx * dt
        vy -= (G + 0.02 * speed * vy) * dt
        x += vx * dt
        y += vy * dt
    return x + y


def metropolis_energy_average(beta, coupling, n_sweeps):
    burn_in = n_sweeps // 4
    total = 0.0
    spin = 1.0
    for sweep in range(n_sweeps):
        field = coupling * math.cos(0.1 * sweep)
        if field * spin < 0.0:
            spin = -spin
        if sweep < burn_in:
            continue
        total += math.exp(-beta * field * spin)
    return total / (n_sweeps - burn_in)


def polynomial_fit_loss(c0, c1, c2, n_points):
    loss = 0.0
    for i in range(n_points):
        x = -1.0 + 2.0 * i / (n_points - 1)
        target = math.exp(x)
        residual = c0 + c1 * x + c2 * x * x - target
        loss += residual * residual
    return loss / n_points


def adam_on_quadratic(lr, beta1, n_steps):
    w = 3.0
    m = 0.0
    v = 0.0
    for t in range(1, n_steps + 1):
        g = 2.0 * (w - 1.0)
        m = beta1 * m + (1.0 - beta1) * g
        v = 0.999 * v + 0.001 * g * g
        m_hat = m / (1.0 - beta1 ** t)
        v_hat = v / (1.0 - 0.999 ** t)
        w -= lr * m_hat / (math.sqrt(v_hat) + 1e-8)
    return (w - 1.0) ** 2


# =================================================================================================
# while loops, break, continue, return from anywhere
# =================================================================================================


def kepler_true_anomaly(mean_anomaly, eccentricity):
    ecc_anomaly = mean_anomaly if eccentricity < 0.8 else math.pi
    delta = 1.0
    while abs(delta) > 1e-12:
        residual = ecc_anomaly - eccentricity * math.sin(ecc_anomaly) - mean_anomaly
        delta = residual / (1.0 - eccentricity * math.cos(ecc_anomaly))
        ecc_anomaly -= delta
    half = 0.5 * ecc_anomaly
    y = math.sqrt(1.0 + eccentricity) * math.sin(half)
    x = math.sqrt(1.0 - eccentricity) * math.cos(half)
    return 2.0 * math.atan2(y, x)


def cube_root_newton(a):
    x = a if a > 1.0 else 1.0
    iterations = 0
    while iterations < 60 and abs(x * x * x - a) > 1e-13 * a:
        x -= (x * x * x - a) / (3.0 * x * x)
        iterations += 1
    return x


def log_by_range_reduction(x):
    exponent = 0
    while x > 2.0:
        x *= 0.5
        exponent += 1
    while x < 1.0:
        x *= 2.0
        exponent -= 1
    return math.log(x) + exponent * LN2


def line_search_descent(x, a, n_iter):
    for _ in range(n_iter):
        g = 4.0 * x * (x * x - a) + 0.5
        fx = double_well(x, a)
        step = 1.0
        while double_well(x - step * g, a) > fx - 0.5 * step * g * g:
            step *= 0.5
        x -= step * g
    return double_well(x, a)


def geometric_series_capped(ratio, first, max_terms):
    total = 0.0
    term = first
    count = 0
    while count < max_terms and abs(term) > 1e-12:
        total += term
        term *= ratio
        count += 1
    return total


def sine_series(x, max_terms):
    term = x
    total = x
    for k in range(1, max_terms):
        term *= -x * x / ((2 * k) * (2 * k + 1))
        total += term
        if abs(term) < 1e-17 * abs(total):
            break
    return total


def square_wave_partial_sum(t, amplitude, n_harmonics):
    total = 0.0
    for k in range(1, 2 * n_harmonics):
        if k % 2 == 0:
            continue
        total += math.sin(k * t) / k
    return 4.0 * amplitude / math.pi * total


def fixed_point_cosine(scale, max_iter):
    x = 1.0
    it = 0
    while it < max_iter:
        x_new = math.cos(scale * x)
        if abs(x_new - x) < 1e-15:
            break
        x = x_new
        it += 1
    return x


def bond_yield(price, coupon, years):
    y = 0.05
    while True:
        value = 0.0
        slope = 0.0
        for t in range(1, years + 1):
            cash = coupon if t < years else coupon + 100.0
            value += cash / (1.0 + y) ** t
            slope -= t * cash / (1.0 + y) ** (t + 1)
        step = (value - price) / slope
        y -= step
        if abs(step) < 1e-14:
            break
    return y


def sampled_signal_energy(freq, amplitude, n_samples):
    total = 0.0
    i = 0
    while i < n_samples:
        i += 1
        if i % 4 == 0:
            continue
        s = amplitude * math.sin(freq * i * DT)
        total += s * s
    return total / n_samples


def lennard_jones_chain(spacing, epsilon, n_atoms):
    energy = 0.0
    for i in range(n_atoms):
        for j in range(n_atoms):
            if j >= i:
                break
            r = spacing * (i - j)
            if r > LJ_CUTOFF:
                continue
            sr6 = (1.0 / r) ** 6
            energy += 4.0 * epsilon * (sr6 * sr6 - sr6)
    return energy


def box_diagonal(width, height, depth, max_iter):
    a = width * width + height * height + depth * depth
    x = max(a, 1.0)
    for _ in range(max_iter):
        step = 0.5 * (x - a / x)
        x -= step
        if abs(step) < 1e-15 * x:
            return x
    return x


def occupancy_weighted_area(x, y, n):
    for i in range(n):
        for j in range(n):
            if (i + 1) * CELL > x and (j + 1) * CELL > y:
                return x * y * grid_weight(i, j)
    return 0.0


def savings_overshoot(deposit, annual_rate_pct, goal):
    rate = annual_rate_pct / 1200.0
    balance = 0.0
    months = 0
    while months < 600:
        balance = balance * (1.0 + rate) + deposit
        months += 1
        if balance >= goal:
            return (balance - goal) / months
    return balance - goal


def nearest_root_scan(shift, scale, n_cells):
    for i in range(n_cells):
        lo = 0.5 * i
        hi = lo + 0.5
        f_lo = math.cos(scale * lo) - shift
        f_hi = math.cos(scale * hi) - shift
        if f_lo * f_hi < 0.0:
            x = lo - f_lo * (hi - lo) / (f_hi - f_lo)
            while True:
                fx = math.cos(scale * x) - shift
                step = fx / (-scale * math.sin(scale * x))
                x -= step
                if abs(step) < 1e-13:
                    return x
    return -1.0


# =================================================================================================
# Helpers: positional / keyword / default arguments, nested helpers, other modules, njit
# =================================================================================================


def smoothstep_blend(a, b, x):
    t = smoothstep(0.0, 1.0, x)
    return lerp(a, b, t)


def softplus_regression_loss(w, b, x, y):
    prediction = softplus(w * x + b, beta=2.0)
    residual = prediction - y
    return residual * residual


def exposure_adjust(pixel, gain, gamma):
    linear = clamp(pixel * gain)
    return linear ** (1.0 / gamma)


def point_segment_distance(px, py, bx, by):
    t = clamp((px * bx + py * by) / (bx * bx + by * by), lo=0.0, hi=1.0)
    dx = px - t * bx
    dy = py - t * by
    return math.hypot(dx, dy)


def logistic_regression_loss(w, b, x, label):
    p = sigmoid(w * x + b)
    return -(label * math.log(p) + (1.0 - label) * math.log(1.0 - p))


def rk4_spring(k, x0, n_steps):
    x = x0
    v = 0.0
    for _ in range(n_steps):
        x, v = rk4_step(x, v, k, DT)
    return x * x + v * v / k


def hypotenuse_newton(a, b):
    return newton_sqrt(a * a + b * b)


def black_scholes_call(spot, strike, vol, rate, maturity):
    sqrt_t = math.sqrt(maturity)
    d1 = (math.log(spot / strike) + (rate + 0.5 * vol * vol) * maturity) / (vol * sqrt_t)
    d2 = d1 - vol * sqrt_t
    return spot * norm_cdf(d1) - strike * math.exp(-rate * maturity) * norm_cdf(d2)


def bond_price_semiannual(rate, coupon, years):
    price = 0.0
    for t in range(1, years + 1):
        price += coupon * discount_factor(rate, t, compounding=2)
    return price + 100.0 * discount_factor(rate, years, 2)


def robust_line_fit_loss(slope, intercept, delta):
    loss = 0.0
    for i in range(8):
        x = 0.5 * i
        y = 1.7 * x - 0.4 + 0.3 * math.sin(3.0 * x)
        loss += huber(slope * x + intercept - y, delta=delta)
    return loss / 8.0


def smooth_max_score(a, b, temperature):
    return temperature * logsumexp2(a / temperature, b / temperature)


def heading_error_cost(heading, target):
    error = wrap_angle(heading - target)
    return 1.0 - math.cos(error) + 0.1 * error * error


def rotated_offset_distance(x, y, angle):
    xr, yr = rotate(x, y, angle)
    return math.hypot(xr - 1.0, yr + 2.0)


def poincare_pair_loss(ux, uy, vx, vy):
    d = geo.poincare_distance(ux, uy, vx, vy)
    return math.log1p(d * d)


def robot_arm_reach(theta1, theta2, target_x, target_y):
    elbow_x, elbow_y = polar_to_cartesian(ARM_L1, theta1)
    hand_x, hand_y = rotate_about(elbow_x + ARM_L2, elbow_y, elbow_x, elbow_y, theta1 + theta2)
    return (hand_x - target_x) ** 2 + (hand_y - target_y) ** 2


def polar_round_trip(r, theta):
    x, y = polar_to_cartesian(r, theta)
    r2, theta2 = cartesian_to_polar(x + 1.0, y)
    return r2 * theta2


def ringdown_energy(omega, decay, n_samples):
    energy = 0.0
    for i in range(n_samples):
        s = damped_cosine(i * DT, omega, decay)
        energy += s * s * DT
    return energy


# =================================================================================================
# Tuples, swaps, reassignment, augmented assignment
# =================================================================================================


def fibonacci_ratio(a, b, n):
    for _ in range(n):
        a, b = b, a + 0.5 * b
    return b / a


def rotation_power(angle, radius, n):
    c = math.cos(angle)
    s = math.sin(angle)
    re, im = radius, 0.0
    for _ in range(n):
        re, im = re * c - im * s, re * s + im * c
    return re + 2.0 * im


def rescaled_feature(x):
    y = x
    y = 2.0 * y + 1.0
    y = math.sin(y)
    y = y + x
    y = y * y
    y = math.exp(-y)
    return y + x


def augmented_moments(x, y):
    acc = x
    acc += y
    acc -= 0.5 * x
    acc *= y
    acc /= 1.0 + x * x
    acc **= 2
    return acc


def annealing_temperature(t0, alpha, n_steps):
    temp = t0
    for _ in range(n_steps):
        temp *= alpha
        temp **= 0.98
        temp += 0.01
    return temp


def layer_norm_first(a, b, c):
    mean = (a + b + c) / 3.0
    da, db, dc = a - mean, b - mean, c - mean
    var = (da * da + db * db + dc * dc) / 3.0
    return da / math.sqrt(var + 1e-5)


# =================================================================================================
# Long simulations (1000 steps) and Monte Carlo
# =================================================================================================


def damped_oscillator_energy(k, c, x0, n_steps):
    x = x0
    v = 0.0
    for _ in range(n_steps):
        a = -k * x - c * v
        v += DT * a
        x += DT * v
    return 0.5 * k * x * x + 0.5 * v * v


def logistic_population(rate, capacity, p0, n_steps):
    p = p0
    for _ in range(n_steps):
        p += DT * rate * p * (1.0 - p / capacity)
    return p


def rod_heat_probe(diffusivity, left_temp, n_steps):
    r = diffusivity * DT / (1.0 * 1.0)
    u1, u2, u3 = 0.0, 0.0, 0.0
    for _ in range(n_steps):
        u1, u2, u3 = (u1 + r * (left_temp - 2.0 * u1 + u2),
                      u2 + r * (u1 - 2.0 * u2 + u3),
                      u3 + r * (u2 - 2.0 * u3))
    return u2 + 0.5 * u3


def predator_prey(alpha, beta, n_steps):
    prey = 10.0
    predators = 5.0
    for _ in range(n_steps):
        prey += DT * (alpha * prey - beta * prey * predators)
        predators += DT * (0.1 * prey * predators - 0.4 * predators)
    return prey + predators


def sgd_learning_curve(learning_rate, w0, n_epochs):
    w, b = w0, 0.0
    for epoch in range(n_epochs):
        x = math.sin(0.37 * epoch)
        target = 2.0 * x + 0.5
        err = w * x + b - target
        w -= learning_rate * err * x
        b -= learning_rate * err
    loss = 0.0
    for i in range(10):
        x = 0.2 * i - 1.0
        loss += (w * x + b - 2.0 * x - 0.5) ** 2
    return loss / 10.0


def binomial_call_price(spot, strike, vol, rate, n_steps):
    dt = 1.0 / n_steps
    up = math.exp(vol * math.sqrt(dt))
    down = 1.0 / up
    p = (math.exp(rate * dt) - down) / (up - down)
    price = 0.0
    coef = 1.0
    for k in range(n_steps + 1):
        s_t = spot * up ** k * down ** (n_steps - k)
        payoff = max(s_t - strike, 0.0)
        price += coef * p ** k * (1.0 - p) ** (n_steps - k) * payoff
        coef = coef * (n_steps - k) / (k + 1)
    return price * math.exp(-rate)


def lcg_monte_carlo_option(spot, vol, n_paths):
    seed = 12345
    total = 0.0
    for _ in range(n_paths):
        seed = (1103515245 * seed + 12345) % 2147483648
        u1 = (seed + 1.0) / 2147483649.0
        seed = (1103515245 * seed + 12345) % 2147483648
        u2 = seed / 2147483648.0
        z = math.sqrt(-2.0 * math.log(u1)) * math.cos(TWO_PI * u2)
        s_t = spot * math.exp(-0.5 * vol * vol + vol * z)
        total += softplus(s_t - 100.0, beta=0.5)
    return total / n_paths


def rectified_integrator(gain, leak, n_steps):
    v = 0.0
    total = 0.0
    for step in range(n_steps):
        drive = gain * math.sin(0.05 * step)
        if drive < 0.0:
            drive *= 0.2
        v += DT * (drive - leak * v)
        total += v * v if v > 0.0 else 0.1 * v * v
    return total * DT


# =================================================================================================
# More numerics: inverse trig/hyperbolic, rounding as step counts, backward loops, module helpers
# =================================================================================================


def solar_shadow_cost(lat_deg, decl_deg, hour):
    to_rad = math.pi / 180.0
    lat = lat_deg * to_rad
    decl = decl_deg * to_rad
    hour_angle = (hour - 12.0) * 15.0 * to_rad
    sin_el = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(hour_angle)
    elevation = math.asin(sin_el)
    cos_az = (math.sin(decl) - sin_el * math.sin(lat)) / (math.cos(elevation) * math.cos(lat))
    azimuth = math.acos(cos_az)
    shadow = 10.0 / math.tan(elevation)
    return shadow + azimuth


def half_plane_distance(x1, y1, x2, y2):
    gap = (x2 - x1) ** 2 + (y2 - y1) ** 2
    return math.acosh(1.0 + gap / (2.0 * y1 * y2))


def suspension_cable(span, sag, load):
    a = span * span / (8.0 * sag)
    step = 1.0
    while math.fabs(step) > 1e-12 * a:
        half = span / (2.0 * a)
        residual = a * (math.cosh(half) - 1.0) - sag
        slope = math.cosh(half) - 1.0 - half * math.sinh(half)
        step = residual / slope
        a -= step
    tower_angle = math.atan(math.sinh(span / (2.0 * a)))
    return load * a * math.cosh(span / (2.0 * a)) + tower_angle


def sound_level_average(l1, l2, l3):
    loudest = max(l1, l2, l3)
    total = 0.0
    total += math.pow(10.0, (l1 - loudest) / 10.0)
    total += math.pow(10.0, (l2 - loudest) / 10.0)
    total += math.pow(10.0, (l3 - loudest) / 10.0)
    total /= 3.0
    return loudest + 10.0 * math.log10(total)


def octave_band_energy(f_low, f_high, slope_db):
    n_bands = math.floor(math.log2(f_high / f_low))
    energy = 0.0
    for band in range(n_bands, 0, -1):
        center = f_low * 2.0 ** (band - 0.5)
        weight = 10.0 ** (-slope_db * math.fabs(math.log2(center / 1000.0)) / 10.0)
        energy += weight
    return energy


def local_magnitude(amplitude, distance_km):
    return math.log(amplitude, 10.0) + 2.76 * math.log(distance_km, 10.0) - 2.48


def time_of_day_load(t_hours, amplitude, base):
    day = math.floor(t_hours / 24.0)
    hour = t_hours - 24.0 * day
    weekend = day % 7 == 5 or day % 7 == 6
    night = 0.0 <= hour < 6.0
    scale = 0.6 if weekend else (0.8 if night else 1.0)
    return scale * (base + amplitude * math.sin(TWO_PI * (hour - 6.0) / 24.0))


def resample_linear(x, scale):
    position = x * scale
    idx = int(position)
    frac = position - idx
    return lerp(texel(idx, 0), texel(idx + 1, 0), frac)


def truncated_cosine_series(x, terms):
    n = math.trunc(terms)
    total = 0.0
    term = 1.0
    for k in range(n):
        total += term
        term *= -x * x / float((2 * k + 1) * (2 * k + 2))
    return total


def shipping_cost(weight, rate_per_parcel, rate_per_kg):
    full_pallets = weight // 100.0
    parcels = math.ceil((weight - 100.0 * full_pallets) / 20.0)
    return full_pallets * 150.0 + parcels * rate_per_parcel + weight * rate_per_kg


def power_iteration_eigenvalue(a, b, d, n_iter):
    x, y = 1.0, 0.5
    for _ in range(n_iter):
        x, y = a * x + b * y, b * x + d * y
        norm = math.hypot(x, y)
        x /= norm
        y /= norm
    return x * (a * x + b * y) + y * (b * x + d * y)


def bessel_j0_miller(x, n_start):
    j_above = 0.0
    j_k = 1e-30
    norm = 2.0 * j_k if n_start % 2 == 0 else 0.0
    for k in range(n_start, 0, -1):
        j_below = 2.0 * float(k) / x * j_k - j_above
        j_above, j_k = j_k, j_below
        if k - 1 == 0:
            norm += j_k
        elif (k - 1) % 2 == 0:
            norm += 2.0 * j_k
    return j_k / norm


def discounted_backward_value(rate, reward, n_periods):
    value = 0.0
    for t in range(n_periods - 1, -1, -1):
        value = reward * (1.0 + 0.1 * t) + value / (1.0 + rate)
    return value


def bottleneck_throughput(c1, c2, c3):
    limit = min(c1, c2, c3)
    utilization = (c1 + c2 + c3) / (3.0 * limit)
    return limit * math.exp(-0.1 * utilization)


def effective_angle_of_attack(alpha_deg, aspect_ratio):
    alpha = alpha_deg * math.pi / 180.0
    cl = TWO_PI * alpha / (1.0 + 2.0 / aspect_ratio)
    induced = math.atan(cl / (math.pi * aspect_ratio))
    return (alpha - induced) * 180.0 / math.pi


def johnson_su_nll(x, xi, lam, delta):
    u = (x - xi) / lam
    z = 0.3 + delta * math.asinh(u)
    return -math.log(delta) + math.log(lam) + 0.5 * math.log1p(u * u) + 0.5 * z * z


def rc_charge_energy(resistance, capacitance, t):
    tau = resistance * capacitance
    v = -12.0 * math.expm1(-t / tau)
    return 0.5 * capacitance * v * v


def feedback_delay_mix(freq, delay, feedback):
    lag = int(delay / DT)
    out = 0.0
    for i in range(lag, lag + 50):
        dry = math.sin(freq * i * DT)
        wet = math.sin(freq * (i - lag) * DT)
        out += (dry + feedback * wet) ** 2
    return out * DT


def sprite_corner_loss(cx, cy, angle, half_width):
    corner_x, corner_y = geo.rotate(half_width, half_width, angle)
    loss = geo.huber(cx + corner_x - 3.0, delta=0.5)
    return loss + geo.logsumexp2(cy + corner_y, 0.0)


PROGRAMS = [
    # straight-line formulas
    Program(kinetic_energy, (2.5, 3.0), (0, 1), "* and ** with int exponent"),
    Program(projectile_range, (20.0, 35.0), (0, 1), "math.pi, module constant G, sin"),
    Program(drag_force, (-12.0, 0.47, 0.3), (0, 1, 2), "unary minus, abs, module constant"),
    Program(thin_lens_magnification, (0.5, 1.5), (0, 1), "division chain, unary minus"),
    Program(harmonic_mean3, (1.5, 2.0, 4.0), (0, 1, 2), "reciprocals"),
    Program(loaded_divider_power, (12.0, 1.0, 2.2, 4.7), (0, 1, 2, 3), "circuit formula (kOhm, mW)"),
    Program(sawtooth_with_decay, (2.3, 0.7, 1.5), (0, 1, 2),
            "float // (zero derivative) and % (derivative wrt divisor)"),
    Program(bilinear_texture, (3.4, 1.7), (0, 1),
            "math.floor as index, x - floor(x), helper with int args"),
    Program(phase_misalignment, (7.5, 1.0), (0, 1), "math.trunc, cos, module constant"),
    Program(metered_cost, (1.1, 3.0), (0, 1), "math.ceil with zero derivative"),
    Program(haversine_distance, (52.52, 13.40, 48.86, 2.35), (0, 1, 2, 3),
            "sin, cos, sqrt, atan2, ** on a call"),
    Program(triangle_angle, (3.0, 4.0, 4.5), (0, 1, 2), "acos"),
    Program(heron_triangle_area, (3.0, 4.0, 4.5), (0, 1, 2), "sqrt of a product"),
    Program(ellipse_perimeter, (3.0, 1.2), (0, 1), "Ramanujan formula, ** 2, sqrt"),
    Program(refraction_angle, (0.5, 1.0, 1.33), (0, 1, 2), "asin, early return in if"),
    Program(pendulum_period, (1.2, 0.6), ("length", "amplitude"), "sqrt, sin, ** 4, by name"),
    Program(camera_coverage, (35.0, 36.0, 10.0), (0, 1, 2), "atan, tan"),
    Program(banked_curve_speed, (50.0, 0.3, 0.4), (0, 1, 2), "tan, sqrt"),
    Program(catenary_cable, (100.0, 80.0), (0, 1), "sinh, cosh"),
    Program(tiny_tanh_network, (0.7, 1.3, -0.2), (0, 1, 2), "tanh composed"),
    Program(gelu, (0.8,), 0, "tanh, sqrt of constant, ** 3; wrt int -> float"),
    Program(asinh_stretch, (3.0, 0.5), (0, 1), "asinh"),
    Program(relativistic_velocity_sum, (0.6, 0.7, 1.0), (0, 1, 2), "atanh, tanh"),
    Program(momentum_from_energy, (5.0, 3.0), (0, 1), "acosh, sinh"),
    Program(fisher_z_upper, (0.45, 30), 0, "atanh, tanh, sqrt of an int expression"),
    Program(log_return_total, (100.0, 104.0, 101.0), (0, 1, 2), "log1p"),
    Program(signal_to_noise_db, (2.5, 0.3), (0, 1), "log10"),
    Program(binary_entropy_bits, (0.3,), (0,), "log2; 1-tuple wrt"),
    Program(entropy_in_base, (0.3, 3.0), (0, 1), "math.log with an active base"),
    Program(ternary_search_cost, (1000.0, 0.5), (0, 1), "math.log(x, 3.0)"),
    Program(annuity_factor, (0.03, 10.0), "rate", "expm1; wrt one name -> float"),
    Program(planck_radiance, (0.5, 5800.0), (0, 1), "expm1, ** 5"),
    Program(stellar_luminosity, (1.5, 6000.0), (0, 1), "math.pow, math.pi"),
    Program(allometric_metabolism, (65.0, 0.75), (0, 1), "math.pow with active exponent"),
    Program(signed_sqrt, (-2.5,), 0, "copysign, fabs, sqrt"),
    Program(soft_clip, (-0.7, 2.0), (0, 1), "min routes to fabs, copysign"),
    Program(gaussian_mixture_density, (0.3, -1.0, 1.5, 0.4), (0, 1, 2, 3),
            "exp, log, ** 2, local constant"),
    Program(orbital_speed, (1.2, 1.5, 3.0), (0, 1, 2), "vis-viva, sqrt"),
    Program(doppler_frequency, (440.0, 10.0, -15.0), (0, 1, 2), "local constant, division"),
    Program(mortgage_payment, (300000.0, 0.045, 30), "annual_rate",
            "int arg in arithmetic, ** with a negative int exponent, unary minus"),
    Program(regular_polygon_area, (2.0, 7), 0, "float(int), sin"),
    # min / max / abs
    Program(relu6_regression, (1.2, 1.5, 0.4), (0, 1, 2), "nested min(max(...))"),
    Program(envelope_span, (1.2, -2.0, 0.5), (0, 1, 2), "3-argument max and min"),
    Program(taxicab_plus_chebyshev, (1.0, 2.0, 3.5, 0.5), (0, 1, 2, 3), "abs, 2-argument max"),
    Program(softmax_cross_entropy3, (1.0, 2.5, 0.3, 1), (0, 1, 2),
            "3-argument max, int label selects a branch"),
    # branches
    Program(stable_quadratic_root, (1.0, -3.0, 2.0), (0, 1, 2),
            "early return, if/else, max of two quotients"),
    Program(income_tax, (25000.0, 0.1, 0.3), (0, 1, 2), "if/elif/else"),
    Program(stribeck_friction, (-0.8, 0.6, 0.4), (0, 1, 2),
            "nested if, returns in both arms, copysign"),
    Program(bounce_velocity, (-3.0, 0.8, -0.05), (0, 1, 2), "conditional expressions"),
    Program(sphere_drag, (2.0, 1.2, 5.0, 18.0), (0, 1, 2, 3),
            "branch on a computed value, float ** float"),
    Program(landing_score, (0.3, 0.2, 0.4, -1.5), (0, 1, 2, 3),
            "chained comparison, and/or/not, boolean locals"),
    Program(band_pass_gain, (150.0, 100.0, 300.0), (0, 1, 2), "chained comparison with active ends"),
    Program(thermostat_power, (18.5, 20.0, 1.5), (0, 1, 2), "or / and / not in elif"),
    Program(ordered_pair_loss, (2.5, 1.0), (0, 1), "tuple swap under a branch"),
    Program(inclined_slide_time, (3.0, 0.6, 0.3), (0, 1, 2), "sin, cos, guard branch"),
    # for loops
    Program(compound_interest, (1000.0, 0.05, 10), ("principal", "rate"),
            "range(n) with int arg, *=, wrt by names"),
    Program(taylor_exp, (1.5, 25), 0, "range(1, n), float(i)"),
    Program(log_series_horner, (0.8, 12), 0, "range(n, 0, -1)"),
    Program(trapezoid_damped_sine, (0.2, 3.0, 64), (0, 1), "loop index in arithmetic"),
    Program(stepped_geometric, (4.6, 0.8), (0, 1), "range(int(x)), x - int(x)"),
    Program(spring_pairs_energy, (3.0, 0.2, 11), (0, 1), "range(n // 2), njit helper"),
    Program(grid_potential, (1.5, 2.3, 1.7, 5), (0, 1, 2), "nested loops, int-only helper"),
    Program(daily_energy_cost, (0.3, 0.12, 2.0), (0, 1, 2),
            "branches on the loop index, chained comparison, or"),
    Program(bouncing_ball_height, (1.85, 0.8, 200), (0, 1), "branch on state inside a loop"),
    Program(projectile_with_drag, (15.0, 0.8, 1.234), (0, 1, 2),
            "range(math.ceil(...)) bound from an argument, hypot"),
    Program(metropolis_energy_average, (0.7, 1.3, 40), (0, 1), "continue, n // 4, sign flips"),
    Program(polynomial_fit_loss, (1.0, 0.9, 0.4, 11), (0, 1, 2), "loop index in float division"),
    Program(adam_on_quadratic, (0.1, 0.9, 30), (0, 1), "range(1, n + 1), beta ** t"),
    # while / break / continue / return anywhere
    Program(kepler_true_anomaly, (1.2, 0.3), (0, 1), "Newton while loop, atan2"),
    Program(cube_root_newton, (20.0,), 0, "while with counter and tolerance (and)"),
    Program(log_by_range_reduction, (37.0,), 0,
            "halving while loops reassign a parameter, int counter"),
    Program(line_search_descent, (0.6, 2.0, 2), (0, 1), "backtracking halving while inside for"),
    Program(geometric_series_capped, (0.6, 2.0, 20), (0, 1), "while with counter"),
    Program(sine_series, (1.1, 40), 0, "break in for"),
    Program(square_wave_partial_sum, (1.3, 1.5, 8), (0, 1), "continue in for, % on ints"),
    Program(fixed_point_cosine, (0.9, 200), 0, "break in while"),
    Program(bond_yield, (95.0, 5.0, 10), (0, 1), "while True + break, for nested in while"),
    Program(sampled_signal_energy, (3.0, 1.5, 50), (0, 1), "continue in while"),
    Program(lennard_jones_chain, (1.3, 0.8, 6), (0, 1), "break and continue in nested loops"),
    Program(box_diagonal, (1.5, 2.0, 2.5, 50), (0, 1, 2), "return inside for"),
    Program(occupancy_weighted_area, (1.3, 0.4, 5), (0, 1), "return inside a nested loop"),
    Program(savings_overshoot, (500.0, 5.0, 20000.0), (0, 1, 2), "return inside while"),
    Program(nearest_root_scan, (0.3, 1.7, 10), (0, 1),
            "return inside while True inside if inside for"),
    # helpers
    Program(smoothstep_blend, (2.0, 5.0, 0.35), (0, 1, 2), "helpers calling helpers, defaults"),
    Program(softplus_regression_loss, (0.8, -0.3, 1.5, 1.2), (0, 1), "keyword argument"),
    Program(exposure_adjust, (0.4, 1.5, 2.2), (0, 1, 2), "default arguments, float ** float"),
    Program(point_segment_distance, (1.0, 2.0, 3.0, 1.0), (0, 1, 2, 3),
            "helper called with keyword arguments, hypot"),
    Program(logistic_regression_loss, (0.7, -0.2, 1.3, 1.0), ("w", "b"),
            "helper with a branch, wrt by names"),
    Program(rk4_spring, (4.0, 1.0, 500), (0, 1), "tuple-returning helper calling helpers"),
    Program(hypotenuse_newton, (3.0, 4.5), (0, 1), "helper with a while loop and default tol"),
    Program(black_scholes_call, (100.0, 95.0, 0.25, 0.03, 1.5), (0, 1, 2, 3, 4),
            "helper norm_cdf with branch"),
    Program(bond_price_semiannual, (0.04, 5.0, 10), (0, 1),
            "helper with keyword and positional int argument"),
    Program(robust_line_fit_loss, (1.5, 0.0, 0.5), (0, 1, 2), "imported Huber helper, kwarg"),
    Program(smooth_max_score, (1.2, 0.4, 0.5), (0, 1, 2), "imported helper using max"),
    Program(heading_error_cost, (5.5, -0.3), (0, 1), "imported helper with while loops"),
    Program(rotated_offset_distance, (1.0, 2.0, 0.7), (0, 1, 2), "imported tuple helper"),
    Program(poincare_pair_loss, (0.3, 0.2, -0.1, 0.5), (0, 1, 2, 3),
            "module attribute call geo.poincare_distance, acosh"),
    Program(robot_arm_reach, (0.4, 0.9, 1.1, 1.0), (0, 1, 2, 3),
            "helper calling a helper from another module, tuple unpacking"),
    Program(polar_round_trip, (2.0, 0.6), (0, 1), "two tuple helpers, hypot, atan2"),
    Program(ringdown_energy, (6.0, 0.8, 300), (0, 1), "@numba.njit helper in a loop"),
    # tuples, swaps, augmented assignment
    Program(fibonacci_ratio, (1.0, 1.3, 8), (0, 1), "a, b = b, a + 0.5 * b"),
    Program(rotation_power, (0.3, 1.5, 7), (0, 1), "tuple assignment of two expressions"),
    Program(rescaled_feature, (0.4,), 0, "one local reassigned many times"),
    Program(augmented_moments, (0.8, 1.7), (0, 1), "+= -= *= /= **= on one local"),
    Program(annealing_temperature, (5.0, 0.9, 20), (0, 1), "**= with a float exponent"),
    Program(layer_norm_first, (0.5, 1.7, -0.4), (0, 1, 2), "tuple packing of expressions"),
    # long simulations
    Program(damped_oscillator_energy, (2.0, 0.3, 1.0, 1000), (0, 1, 2),
            "1000-step semi-implicit Euler"),
    Program(logistic_population, (0.4, 100.0, 5.0, 1000), (0, 1, 2), "1000-step growth model"),
    Program(rod_heat_probe, (0.2, 100.0, 1000), (0, 1), "1000 steps of a 3-tuple update"),
    Program(predator_prey, (1.1, 0.4, 1000), ("alpha", "beta"), "1000-step Lotka-Volterra"),
    Program(sgd_learning_curve, (0.1, -1.0, 40), (0, 1), "meta-gradient through SGD"),
    Program(binomial_call_price, (100.0, 105.0, 0.2, 0.03, 60), (0, 1, 2, 3),
            "binomial tree: max payoff, int exponents"),
    Program(lcg_monte_carlo_option, (100.0, 0.2, 200), (0, 1),
            "integer LCG (% and * on ints) mixed with floats, softplus kwarg"),
    Program(rectified_integrator, (3.0, 0.5, 1000), (0, 1),
            "1000 steps, branch and conditional expression on state, loop index in sin"),
    # more numerics
    Program(solar_shadow_cost, (48.0, 15.0, 14.5), (0, 1, 2), "asin, acos, tan, module pi"),
    Program(half_plane_distance, (0.3, 1.2, 1.5, 0.8), (0, 1, 2, 3), "acosh"),
    Program(suspension_cable, (100.0, 10.0, 2.0), (0, 1, 2),
            "Newton while on fabs, cosh, sinh, atan"),
    Program(sound_level_average, (60.0, 65.0, 58.0), (0, 1, 2),
            "3-argument max, math.pow, log10, /="),
    Program(octave_band_energy, (63.0, 7000.0, 3.0), (0, 1, 2),
            "range(math.floor(log2(...)), 0, -1), fabs, float ** active"),
    Program(local_magnitude, (0.8, 120.0), (0, 1), "math.log(x, 10.0)"),
    Program(time_of_day_load, (130.5, 2.0, 5.0), (0, 1, 2),
            "floor as a day count, % and or on ints, chained comparison, nested ifexp"),
    Program(resample_linear, (2.7, 1.9), (0, 1), "int(x) as an index, x - int(x)"),
    Program(truncated_cosine_series, (0.9, 12.0), "x",
            "math.trunc of a float arg as the trip count, float(int expr)"),
    Program(shipping_cost, (263.0, 12.0, 0.4), (0, 1, 2), "float //, math.ceil as a count"),
    Program(power_iteration_eigenvalue, (2.0, 0.7, 1.0, 30), (0, 1, 2),
            "/= in a loop, tuple update, hypot"),
    Program(bessel_j0_miller, (2.5, 30), "x",
            "backward recurrence range(n, 0, -1), elif, % on ints, conditional expression"),
    Program(discounted_backward_value, (0.05, 3.0, 20), (0, 1),
            "range(n - 1, -1, -1), index in arithmetic"),
    Program(bottleneck_throughput, (5.0, 3.5, 4.2), (0, 1, 2), "3-argument min"),
    Program(effective_angle_of_attack, (5.0, 8.0), (0, 1), "atan, module constant"),
    Program(johnson_su_nll, (1.3, 0.2, 1.5, 1.2), (0, 1, 2, 3), "asinh, log, log1p"),
    Program(rc_charge_energy, (2.0, 1.5, 2.5), (0, 1, 2), "expm1 of a negative argument"),
    Program(feedback_delay_mix, (7.0, 0.237, 0.4), (0, 1, 2),
            "int(delay / DT) in range(a, a + 50)"),
    Program(sprite_corner_loss, (1.0, 0.5, 0.4, 1.2), (0, 1, 2, 3),
            "module attribute helpers geo.rotate / geo.huber(kwarg) / geo.logsumexp2"),
]


# =================================================================================================
# Programs s2sad must reject
# =================================================================================================


def gamma_normalizer(x):
    return x / math.gamma(x)  # ERROR


def stirling_check(x):
    return gamma_ratio(x) / math.sqrt(x)


def jittered_position(x, sigma):
    return x + np.random.normal(0.0, sigma)  # ERROR


_exec_namespace = {}
exec("def scaled_by_exec(x):\n    return 3.0 * x\n", _exec_namespace)
scaled_by_exec = _exec_namespace["scaled_by_exec"]
halve = (0.5).__mul__


def uses_exec_helper(x):
    y = x * x
    return scaled_by_exec(y) + 1.0  # ERROR


def uses_builtin_method(x):
    y = math.sin(x)
    return halve(y) + x  # ERROR


def power_series_recursive(x, n):
    if n == 0:
        return 1.0
    return 1.0 + x * power_series_recursive(x, n - 1)  # ERROR


def _even_terms(x, n):
    if n <= 0:
        return 1.0
    return 1.0 + x * _odd_terms(x, n - 1)


def _odd_terms(x, n):
    if n <= 0:
        return x
    return x - 0.5 * _even_terms(x, n - 1)  # ERROR


def alternating_series(x, n):
    return _even_terms(x, n) * 0.5


ERROR_PROGRAMS = [
    ErrorProgram(gamma_normalizer, (2.5,), 0, ("NoDerivativeRule",), "math.gamma has no rule"),
    ErrorProgram(stirling_check, (2.5,), 0, ("NoDerivativeRule",),
                 "math.gamma inside a helper in another file", where=gamma_ratio),
    ErrorProgram(jittered_position, (1.0, 0.1), 1, ("NoDerivativeRule",),
                 "np.random.normal: a C function with no rule"),
    ErrorProgram(uses_exec_helper, (2.0,), 0, ("SourceUnavailable",),
                 "helper defined by exec: no source"),
    # A bound method of a float is C code with no source; either class is a fair answer.
    ErrorProgram(uses_builtin_method, (0.4,), 0, ("SourceUnavailable", "NoDerivativeRule"),
                 "builtin method used as a helper"),
    ErrorProgram(power_series_recursive, (0.5, 4), 0, ("UnsupportedSyntax",),
                 "direct recursion"),
    ErrorProgram(alternating_series, (0.5, 4), 0, ("UnsupportedSyntax",),
                 "mutual recursion between helpers (reported at the call closing the cycle)",
                 where=_odd_terms),
    ErrorProgram(compound_interest, (1000.0, 0.05, 10), 2, ("NonDifferentiableArgument",),
                 "wrt an int argument by position", check_line=False,
                 label="compound_interest_wrt_years"),
    ErrorProgram(taylor_exp, (1.5, 25), "n_terms", ("NonDifferentiableArgument",),
                 "wrt an int argument by name", check_line=False, label="taylor_exp_wrt_n_terms"),
    ErrorProgram(bond_yield, (95.0, 5.0, 10), (0, 2), ("NonDifferentiableArgument",),
                 "an int argument inside a wrt tuple", check_line=False,
                 label="bond_yield_wrt_price_and_years"),
]
