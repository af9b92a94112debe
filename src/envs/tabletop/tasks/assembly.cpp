// assembly: pick the nut up by its handle and drop its ring over a peg, so that the ring's
// centre lies within 2 cm of the peg's axis and below its top.
//
// Gaps filled: the sheet's reward, its quirk kept (the caging's reference is the ring's
// start, not the handle's); the orientation term wants our nut's rest orientation (see
// nut.hpp). The ring's centre, which the reward and success need, is computed from the slot.
#include "envs/tabletop/tasks/nut.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr Vec3 kRing{0.0, 0.6, nut::kRestZ};

class Assembly final : public TaskOn<Assembly, FreeObjectAndMarker> {
 public:
  // ring (x, y, z), fixed; the peg's top (x, y, z), behind it.
  Assembly()
      : TaskOn(nut::nut_and_peg(
            {{kRing.x, kRing.y, kRing.z, -0.1, 0.75, nut::kPegTop},
             {kRing.x, kRing.y, kRing.z, 0.1, 0.85, nut::kPegTop}})) {}
  const char* name() const override { return "assembly"; }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    ep.obj_init = vec3(&v[0]);
    ep.goal = vec3(&v[3]);
    piece_.place(m, d, ep.obj_init, ep.goal - Vec3{0.0, 0.0, nut::kPegTop});
  }

  // nut::scores with the medium-density caging. in: 0.1 when the ring is lifted or on the
  // peg's axis, plus 0.9 tol(|(e.x, e.y, h - ring.z) (1, 1, 3)|; [0, 0.02], margin 0.4), with
  // e = peg top - ring and h a funnel height (0 on the axis, rising away from it) that makes
  // the ring go over the peg before it comes down.
  Scores score(const Frame& f, const Episode& ep) const override {
    const Vec3 ring = nut::ring_centre(f.obs + 4);
    const Vec3 e = ep.goal - ring;
    const double r = std::hypot(e.x, e.y);
    const bool success = r < 0.02 && e.z > 0.0;
    const double thr = success ? 0.02 : 0.01;
    const double h = r <= thr ? 0.0 : 0.02 * std::log(r - thr) + 0.2;
    const Vec3 funnel{e.x, e.y, h - ring.z};
    const double in = 0.1 * (ring.z > 0.02 || r < thr) +
                      0.9 * tolerance(norm(scale(funnel, {1.0, 1.0, 3.0})), 0.0, 0.02, 0.4);
    return nut::scores(f, ep, in, success, CageDensity::kMedium);
  }

  // Take the handle, lift the ring 4 cm above the peg, carry it over the peg's axis, and
  // lower it once within 4 mm of the axis.
  void scripted_action(const float* obs, float* action) const override {
    if (!nut::take_handle(obs, action)) return;
    const Vec3 ring = nut::ring_centre(obs + 4);
    const Vec3 top{obs[36], obs[37], obs[38]};
    const double carry_z = top.z + 0.045;
    Vec3 to{top.x, top.y, carry_z};
    if (ring.z < carry_z - 0.01 && dist_xy(ring, top) > 0.01) to = {ring.x, ring.y, carry_z};
    if (dist_xy(ring, top) < 0.004) to.z = top.z - 0.05;
    grasp::carry_toward(obs, ring, to, action);
  }
};

}  // namespace

const TabletopTask& assembly_task() { return single<Assembly>(); }

}  // namespace htrmrl::tabletop
