// Experiment analysis and Thompson-sampling bandits. Deterministic on every
// target: transcendental functions go through det_math, the normal CDF and
// the incomplete gamma function are computed here, and randomness comes from
// our own seeded generator (splitmix64), never from <random>.
#include <cmath>
#include <string>
#include <vector>

#include "common/det_math.hpp"
#include "tailor/experiment.hpp"

namespace tailor {
namespace {

using detail::det_exp;
using detail::det_log;

constexpr double z975 = 1.959963984540054;  // two-sided 95%

// erfc with fractional error < 1.2e-7 (Chebyshev fit, Numerical Recipes 6.2).
double erfc_det(double x) {
  const double z = std::fabs(x);
  const double t = 1.0 / (1.0 + 0.5 * z);
  const double poly =
      -z * z - 1.26551223 +
      t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
      t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const double r = t * det_exp(poly);
  return x >= 0 ? r : 2.0 - r;
}

double normal_cdf(double x) { return 0.5 * erfc_det(-x / std::sqrt(2.0)); }

// ln Gamma(x), Lanczos (g = 7, n = 9), x > 0.
double lgamma_det(double x) {
  static constexpr double c[] = {0.99999999999980993,  676.5203681218851,   -1259.1392167224028,
                                 771.32342877765313,   -176.61502916214059, 12.507343278686905,
                                 -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
  x -= 1;
  double a = c[0];
  const double t = x + 7.5;
  for (int i = 1; i < 9; ++i) a += c[i] / (x + i);
  return 0.5 * det_log(2 * 3.14159265358979323846) + (x + 0.5) * det_log(t) - t + det_log(a);
}

// Regularized upper incomplete gamma Q(a, x).
double gamma_q(double a, double x) {
  if (x <= 0) return 1.0;
  const double gln = lgamma_det(a);
  if (x < a + 1) {  // series for P
    double sum = 1.0 / a, del = sum, ap = a;
    for (int n = 0; n < 1000; ++n) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (std::fabs(del) < std::fabs(sum) * 1e-15) break;
    }
    return 1.0 - sum * det_exp(-x + a * det_log(x) - gln);
  }
  // Continued fraction (modified Lentz).
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-15) break;
  }
  return det_exp(-x + a * det_log(x) - gln) * h;
}

struct splitmix64 {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0,1)
  double normal() {  // Marsaglia polar method
    while (true) {
      const double u = 2 * uniform() - 1, v = 2 * uniform() - 1;
      const double s = u * u + v * v;
      if (s > 0 && s < 1) return u * std::sqrt(-2 * det_log(s) / s);
    }
  }
  double gamma(double a) {  // Marsaglia-Tsang, a >= 1
    const double d = a - 1.0 / 3.0, c = 1.0 / std::sqrt(9 * d);
    while (true) {
      const double x = normal();
      double v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      const double u = uniform();
      if (u > 0 && det_log(u) < 0.5 * x * x + d - d * v + d * det_log(v)) return d * v;
    }
  }
  double beta(double a, double b) {
    const double x = gamma(a), y = gamma(b);
    return x / (x + y);
  }
};

status check_arms(const std::vector<arm_stats>& arms) {
  if (arms.size() < 2) return make_error(errc::invalid_config, "need at least two arms", "arms");
  if (arms.size() > max_arms) return make_error(errc::limit_exceeded, "too many arms", "arms");
  for (std::size_t i = 0; i < arms.size(); ++i) {
    const arm_stats& a = arms[i];
    const std::string where = "arms[" + std::to_string(i) + "]";
    if (a.users < 0 || a.conversions < 0 || a.conversions > a.users) {
      return make_error(errc::invalid_field, "need 0 <= conversions <= users", where);
    }
    if (!std::isfinite(a.revenue) || !std::isfinite(a.revenue_sq) || a.revenue_sq < 0) {
      return make_error(errc::invalid_field, "revenue sums must be finite", where);
    }
  }
  return ok_value;
}

// Relative uplift of b over a (delta method) with a two-sided 95% interval;
// sequential: Howard et al.'s normal-mixture confidence sequence, tuned at n*.
void uplift(double mean_a, double var_mean_a, double mean_b, double var_mean_b, double n,
            const analysis_options& opt, double& rel, double& lo, double& hi) {
  if (mean_a == 0) {
    rel = lo = hi = 0;
    return;
  }
  rel = mean_b / mean_a - 1;
  const double var = var_mean_b / (mean_a * mean_a) + mean_b * mean_b * var_mean_a / (mean_a * mean_a * mean_a * mean_a);
  double half = z975 * std::sqrt(var);
  if (opt.sequential && n > 0) {
    const double alpha = 0.05;
    const double rho2 = (-2 * det_log(alpha) + det_log(-2 * det_log(alpha) + 1)) / opt.sequential_tuning;
    const double nr = n * rho2;
    half = std::sqrt(var) * std::sqrt(2 * (nr + 1) / nr * det_log(std::sqrt(nr + 1) / alpha));
  }
  lo = rel - half;
  hi = rel + half;
}

}  // namespace

result<std::vector<double>> bandit_weights(const std::vector<arm_stats>& arms,
                                           const bandit_options& opt) noexcept {
  try {
    if (auto s = check_arms(arms); !s) return s.error();
    if (opt.draws < 1 || opt.draws > max_bandit_draws) {
      return make_error(errc::invalid_config, "draws must be in [1, " + std::to_string(max_bandit_draws) + "]", "draws");
    }
    const double k = static_cast<double>(arms.size());
    if (!(opt.exploration_floor >= 0) || opt.exploration_floor * k > 1) {
      return make_error(errc::invalid_config, "exploration floor must be in [0, 1/arms]", "exploration_floor");
    }
    splitmix64 rng{opt.seed};
    std::vector<double> wins(arms.size(), 0);
    for (int32_t d = 0; d < opt.draws; ++d) {
      std::size_t best = 0;
      double best_v = -1;
      for (std::size_t i = 0; i < arms.size(); ++i) {
        const double v = rng.beta(1.0 + static_cast<double>(arms[i].conversions),
                                  1.0 + static_cast<double>(arms[i].users - arms[i].conversions));
        if (v > best_v) best_v = v, best = i;
      }
      wins[best] += 1;
    }
    std::vector<double> w(arms.size());
    for (std::size_t i = 0; i < arms.size(); ++i) {
      w[i] = opt.exploration_floor + (1 - k * opt.exploration_floor) * wins[i] / opt.draws;
    }
    return w;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<analysis> analyze(const std::vector<arm_stats>& arms, const analysis_options& opt) noexcept {
  try {
    if (auto s = check_arms(arms); !s) return s.error();
    if (!opt.expected_weights.empty() && opt.expected_weights.size() != arms.size()) {
      return make_error(errc::invalid_config, "one expected weight per arm", "expected_weights");
    }
    if (opt.sequential && !(opt.sequential_tuning > 0)) {
      return make_error(errc::invalid_config, "sequential tuning must be positive", "sequential_tuning");
    }
    analysis out;
    const arm_stats& a = arms[0];
    double total = 0;
    for (const arm_stats& x : arms) total += static_cast<double>(x.users);
    for (const arm_stats& b : arms) {
      arm_result r;
      r.key = b.key;
      const double nb = static_cast<double>(b.users), na = static_cast<double>(a.users);
      r.conversion_rate = nb > 0 ? static_cast<double>(b.conversions) / nb : 0;
      r.revenue_per_visitor = nb > 0 ? b.revenue / nb : 0;
      if (&b != &a && na > 1 && nb > 1) {
        const double pa = static_cast<double>(a.conversions) / na, pb = r.conversion_rate;
        uplift(pa, pa * (1 - pa) / na, pb, pb * (1 - pb) / nb, na + nb, opt, r.uplift, r.ci_low, r.ci_high);
        const double ra = a.revenue / na, rb = r.revenue_per_visitor;
        const double va = (a.revenue_sq / na - ra * ra) * na / (na - 1) / na;
        const double vb = (b.revenue_sq / nb - rb * rb) * nb / (nb - 1) / nb;
        uplift(ra, va, rb, vb, na + nb, opt, r.rpv_uplift, r.rpv_ci_low, r.rpv_ci_high);
        // Beta(1+c, 1+n-c) posteriors, normal approximation of the difference.
        const double ma = (static_cast<double>(a.conversions) + 1) / (na + 2);
        const double mb = (static_cast<double>(b.conversions) + 1) / (nb + 2);
        const double sa = ma * (1 - ma) / (na + 3), sb = mb * (1 - mb) / (nb + 3);
        r.chance_to_beat_control = normal_cdf((mb - ma) / std::sqrt(sa + sb));
      }
      out.arms.push_back(std::move(r));
    }
    // Sample ratio mismatch: chi-square goodness of fit against the expected split.
    double chi2 = 0;
    for (std::size_t i = 0; i < arms.size(); ++i) {
      const double w = opt.expected_weights.empty() ? 1.0 / static_cast<double>(arms.size()) : opt.expected_weights[i];
      const double e = total * w;
      if (e > 0) chi2 += (static_cast<double>(arms[i].users) - e) * (static_cast<double>(arms[i].users) - e) / e;
    }
    out.srm_chi2 = chi2;
    out.srm_p_value = total > 0 ? gamma_q((static_cast<double>(arms.size()) - 1) / 2, chi2 / 2) : 1.0;
    out.srm_detected = out.srm_p_value < opt.srm_threshold;
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
