// Makes one symbol-version requirement of an ELF64 shared library optional.
//
// TorchSharp's native shim is linked against a newer libstdc++ than some distributions ship
// (it asks for GLIBCXX_3.4.32 while Debian 12 stops at 3.4.30). The dynamic loader refuses a
// library whose version requirement is missing, unless that requirement is marked weak. This
// tool marks it weak and unbinds the symbols that carried that version, so they resolve against
// whatever library defines them (Herd's compat library does). It refuses to unbind any symbol
// not named on the command line, so a future shim that needs more than we provide fails the
// build loudly instead of crashing at run time.
//
// usage: weaken_version <library.so> <version> <symbol> [<symbol>...]

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Image {
    std::vector<char> bytes;

    template <typename T>
    T* at(std::uint64_t offset) {
        if (offset + sizeof(T) > bytes.size()) throw std::runtime_error("offset outside the file");
        return reinterpret_cast<T*>(bytes.data() + offset);
    }

    const char* string_at(std::uint64_t table_offset, std::uint64_t index) {
        if (table_offset + index >= bytes.size()) throw std::runtime_error("string outside the file");
        return bytes.data() + table_offset + index;
    }
};

const Elf64_Shdr* find_section(Image& image, std::uint32_t type) {
    auto* header = image.at<Elf64_Ehdr>(0);
    for (unsigned i = 0; i < header->e_shnum; ++i) {
        auto* section = image.at<Elf64_Shdr>(header->e_shoff + i * sizeof(Elf64_Shdr));
        if (section->sh_type == type) return section;
    }
    return nullptr;
}

const Elf64_Shdr* section_at(Image& image, unsigned index) {
    auto* header = image.at<Elf64_Ehdr>(0);
    return image.at<Elf64_Shdr>(header->e_shoff + index * sizeof(Elf64_Shdr));
}

// Marks the requirement weak and returns the version index that symbols use to refer to it.
int weaken_requirement(Image& image, const std::string& version) {
    auto* verneed = find_section(image, SHT_GNU_verneed);
    if (verneed == nullptr) throw std::runtime_error("no .gnu.version_r section");
    auto strings = section_at(image, verneed->sh_link)->sh_offset;

    std::uint64_t need_offset = verneed->sh_offset;
    for (;;) {
        auto* need = image.at<Elf64_Verneed>(need_offset);
        std::uint64_t aux_offset = need_offset + need->vn_aux;
        for (unsigned i = 0; i < need->vn_cnt; ++i) {
            auto* aux = image.at<Elf64_Vernaux>(aux_offset);
            if (version == image.string_at(strings, aux->vna_name)) {
                aux->vna_flags |= VER_FLG_WEAK;
                return aux->vna_other;
            }
            aux_offset += aux->vna_next;
        }
        if (need->vn_next == 0) break;
        need_offset += need->vn_next;
    }
    throw std::runtime_error("the library does not require " + version);
}

// Rebinds every symbol of that version to the unversioned global scope.
void unbind_symbols(Image& image, int version_index, const std::set<std::string>& allowed) {
    auto* dynsym = find_section(image, SHT_DYNSYM);
    auto* versym = find_section(image, SHT_GNU_versym);
    if (dynsym == nullptr || versym == nullptr) throw std::runtime_error("no dynamic symbol versions");
    auto strings = section_at(image, dynsym->sh_link)->sh_offset;

    auto count = dynsym->sh_size / sizeof(Elf64_Sym);
    for (std::uint64_t i = 0; i < count; ++i) {
        auto* version = image.at<Elf64_Half>(versym->sh_offset + i * sizeof(Elf64_Half));
        if ((*version & 0x7fff) != version_index) continue;
        auto* symbol = image.at<Elf64_Sym>(dynsym->sh_offset + i * sizeof(Elf64_Sym));
        std::string name = image.string_at(strings, symbol->st_name);
        if (allowed.count(name) == 0) {
            throw std::runtime_error("symbol " + name + " needs the missing version and no compat library provides it");
        }
        *version = VER_NDX_GLOBAL;
        std::cout << "unbound " << name << '\n';
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: weaken_version <library.so> <version> <symbol> [<symbol>...]\n";
        return 2;
    }
    try {
        std::string path = argv[1];
        std::string version = argv[2];
        std::set<std::string> allowed(argv + 3, argv + argc);

        Image image;
        {
            std::ifstream in(path, std::ios::binary);
            if (!in) throw std::runtime_error("cannot read " + path);
            image.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        auto* header = image.at<Elf64_Ehdr>(0);
        if (std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 || header->e_ident[EI_CLASS] != ELFCLASS64) {
            throw std::runtime_error(path + " is not a 64-bit ELF file");
        }

        int index = weaken_requirement(image, version);
        unbind_symbols(image, index, allowed);

        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(image.bytes.data(), static_cast<std::streamsize>(image.bytes.size()));
        if (!out) throw std::runtime_error("cannot write " + path);
        std::cout << "marked " << version << " weak in " << path << '\n';
        return 0;
    } catch (const std::exception& error) {
        std::cerr << "weaken_version: " << error.what() << '\n';
        return 1;
    }
}
