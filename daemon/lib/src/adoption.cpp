#include "remap/adoption.hpp"

#include "remap/error.hpp"
#include "remap/fingerprint.hpp"
#include "remap/remap_device.hpp"

namespace remap {

namespace {

bool valid_identity(const std::string &id)
{
	if (id.empty() || id.size() > kFingerprintMax)
		return false;
	for (unsigned char c : id)
		if (c < 0x21 || c > 0x7e)
			return false;
	return true;
}

}  // namespace

AdoptionPlan plan_adoption(const AdoptionInput &in, const std::vector<Binding> &entries)
{
	if (!valid_pair_uuid(in.pair_uuid))
		throw Error(in.name + ": pair uuid '" + in.pair_uuid + "' is not a valid uuid");
	if (!valid_identity(in.main_claim_id))
		throw Error(in.name + ": main claim id '" + in.main_claim_id + "' is not usable");
	AdoptionPlan p;
	if (in.spare_main_id.empty()) {
		if (!valid_identity(in.main_fingerprint))
			throw Error(in.name + ": main identity '" + in.main_fingerprint + "' is not usable");
		p.set_main_id = true;
	}

	const Binding *cur = find_by_uuid(entries, in.pair_uuid);
	std::string name;
	if (cur) {
		name = cur->name;
	} else if (valid_device_name(in.name)) {
		const Binding *other = nullptr;
		for (const auto &e : entries)
			if (e.name == in.name && e.pair_uuid != in.pair_uuid &&
			    e.main_id != in.main_claim_id)
				other = &e;
		if (other) {
			name = default_device_name(in.pair_uuid);
			p.notes.push_back("the name " + in.name + " is bound to pair " + other->pair_uuid +
					  " in the bindings file: this pair is bound as " + name);
		} else {
			name = in.name;
		}
	} else {
		name = default_device_name(in.pair_uuid);
		p.notes.push_back("'" + in.name + "' cannot be used in the bindings file: this pair is bound as " +
				  name);
	}
	p.binding = {in.main_claim_id, in.pair_uuid, name};
	if (!cur || !(*cur == p.binding)) {
		std::vector<Binding> copy = entries;
		p.write_binding = bind_pair(copy, p.binding);
	}
	if (cur && cur->main_id != in.main_claim_id)
		p.notes.push_back("the bindings file named main '" + cur->main_id + "' for this pair; now '" +
				  in.main_claim_id + "'");
	return p;
}

std::string set_main_id_message(const std::string &id)
{
	if (!valid_identity(id))
		throw Error("set_main_id: '" + id + "' is not a valid identity (1-" +
			    std::to_string(kFingerprintMax) + " characters 0x21-0x7e)");
	std::string out = "set_main_id ";
	for (char c : id) {
		if (c == '\\')
			out += '\\';
		out += c;
	}
	return out;
}

}  // namespace remap
